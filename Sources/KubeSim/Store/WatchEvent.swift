/// One event on a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
public struct WatchEvent: Sendable {
    public var type: String
    public var object: JSON
    /// The event already encoded as a JSON line, shared by every watcher that gets it.
    var encoded: [UInt8]?

    public init(type: String, object: JSON) {
        self.type = type
        self.object = object
    }

    /// The line the API server writes for this event.
    public var json: JSON { ["type": .string(type), "object": object] }

    /// The JSON line (with its newline) for this event.
    var line: [UInt8] {
        if let encoded { return encoded }
        var l = json.serialized()
        l.append(0x0a)
        return l
    }
}

/// A change kept in the store's bounded history so watches can resume.
struct StoredEvent {
    var rv: Int64
    var storageKey: String
    var namespace: String
    var type: String
    var object: JSON
    var old: JSON?
}

/// A registered watch: what it selects and where its events go.
struct Watcher {
    var storageKey: String
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector?
    var sink: AsyncStream<WatchEvent>.Continuation

    func selects(_ obj: JSON) -> Bool {
        if let namespace, (obj["metadata"]?["namespace"]?.string ?? "") != namespace { return false }
        if !labels.isEverything && !labels.matches(ObjectMeta.labels(obj)) { return false }
        if let fields, !fields.matches(obj) { return false }
        return true
    }
}
