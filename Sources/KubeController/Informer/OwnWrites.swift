import Synchronization

/// Read-your-writes over an informer cache: what this process wrote that
/// the cache may not show yet, by key, with the resourceVersion the write
/// made (a deletion has none). A reader lays these over the cache until the
/// cache holds that version or a newer one, then the entry goes; so a pass
/// that runs before the watch catches up neither writes again what it just
/// wrote nor writes from a stale copy. The agent keeps its BpfPrograms here,
/// the operator the conditions it wrote.
public final class OwnWrites<Value: Sendable>: Sendable {
    private struct Entry { var version: Int; var value: Value? }
    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// A write that made `version`; nil `value`: this process deleted the object.
    public func wrote(_ key: String, version: Int, _ value: Value?) {
        entries.withLock { $0[key] = Entry(version: value == nil ? Int.max : version, value: value) }
    }

    /// The cache has seen the object go: nothing of ours stands in for it.
    public func forget(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }

    /// This process's write of `key` when it is newer than the cache's copy
    /// (`cachedVersion`, nil when not cached); nil when the cache is current.
    public func newer(_ key: String, cachedVersion: Int?) -> Value? {
        entries.withLock { e in
            guard let mine = e[key], let value = mine.value else { return nil }
            if let cachedVersion, cachedVersion >= mine.version {
                e[key] = nil
                return nil
            }
            return value
        }
    }

    /// The cache's objects by key with this process's newer writes laid over
    /// them: newer copies replace, creations the cache lacks are added,
    /// deletions it still shows are taken out.
    public func overlay(_ cached: [String: Value], version: (Value) -> Int) -> [String: Value] {
        var out = cached
        entries.withLock { e in
            for (key, mine) in e {
                switch (cached[key], mine.value) {
                case (let have?, _?) where version(have) >= mine.version: e[key] = nil
                case (_, let value?): out[key] = value
                case (nil, nil): e[key] = nil
                case (_?, nil): out[key] = nil
                }
            }
        }
        return out
    }
}
