import Foundation
import KubeClient
import Synchronization

/// Records core/v1 Events about objects. A repeat of the same event (same
/// object, type, reason and message) raises the count of the existing Event
/// instead of making a new one.
public final class EventRecorder: Sendable {
    /// The object an event is about.
    public struct Subject: Sendable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        public var namespace: String?
        public var uid: String?

        public init(apiVersion: String, kind: String, name: String, namespace: String? = nil, uid: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.namespace = namespace
            self.uid = uid
        }

        public init<T: KubeResource>(_ o: T) {
            self.init(apiVersion: T.resource.apiVersion, kind: T.resource.kind, name: o.metadata.name ?? "",
                      namespace: o.metadata.namespace, uid: o.metadata.uid)
        }
    }

    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }

    static let events = ResourceInfo(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)

    public let client: KubeClient
    public let component: String
    public let host: String
    private let seen = Mutex<[String: (name: String, count: Int, first: String)]>([:])

    public init(client: KubeClient, component: String, host: String = ProcessInfo.processInfo.hostName) {
        self.client = client
        self.component = component
        self.host = host
    }

    public func record(_ s: Subject, _ type: Kind, reason: String, message: String) async {
        let ns = s.namespace ?? "default"
        let key = [s.uid ?? "\(s.kind)/\(ns)/\(s.name)", type.rawValue, reason, message].joined(separator: "\u{1}")
        let now = ISO8601DateFormatter().string(from: Date())
        if let prior = seen.withLock({ $0[key] }) {
            let count = prior.count + 1
            let patch = #"{"count":\#(count),"lastTimestamp":"\#(now)"}"#
            do {
                let _: DynamicObject = try await client.patch(EventRecorder.events, namespace: ns, name: prior.name, type: .merge,
                                                              body: Array(patch.utf8))
                seen.withLock { $0[key] = (prior.name, count, prior.first) }
                return
            } catch {
                // The Event expired or was deleted: make a new one below.
            }
        }
        let name = "\(s.name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        var involved: [String: AnyJSON] = ["apiVersion": .string(s.apiVersion), "kind": .string(s.kind), "name": .string(s.name)]
        if let n = s.namespace { involved["namespace"] = .string(n) }
        if let u = s.uid { involved["uid"] = .string(u) }
        let event: AnyJSON = .object([
            "apiVersion": .string("v1"), "kind": .string("Event"),
            "metadata": .object(["name": .string(name), "namespace": .string(ns)]),
            "involvedObject": .object(involved), "type": .string(type.rawValue), "reason": .string(reason),
            "message": .string(message), "count": .number(1), "firstTimestamp": .string(now), "lastTimestamp": .string(now),
            "source": .object(["component": .string(component), "host": .string(host)]),
            "reportingComponent": .string(component), "reportingInstance": .string(host),
        ])
        if (try? await client.create(EventRecorder.events, namespace: ns, DynamicObject(event))) != nil {
            seen.withLock { $0[key] = (name, 1, now) }
        }
    }
}
