/// The pod facts a `fieldRef` may name (env and downwardAPI volume files).
struct DownwardAPI {
    var pod: LocalPod
    var node: NodeFacts
    var podIP: String

    static let plain: Set = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                             "spec.serviceAccountName", "status.hostIP", "status.podIP"]

    static func supports(_ path: String) -> Bool {
        plain.contains(path) || mapKey(path, "metadata.labels") != nil || mapKey(path, "metadata.annotations") != nil
    }

    /// `metadata.labels['app']` → `app`.
    static func mapKey(_ path: String, _ prefix: String) -> String? {
        guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
        return String(path.dropFirst(prefix.count + 2).dropLast(2))
    }

    func value(_ path: String) -> String? {
        switch path {
        case "metadata.name": return pod.metadata.name
        case "metadata.namespace": return pod.metadata.namespace
        case "metadata.uid": return pod.metadata.uid
        case "spec.nodeName": return node.nodeName
        case "spec.serviceAccountName": return pod.spec.serviceAccountName ?? "default"
        case "status.hostIP": return node.nodeIP
        case "status.podIP": return podIP
        default:
            if let k = Self.mapKey(path, "metadata.labels") { return pod.metadata.labels?[k] ?? "" }
            if let k = Self.mapKey(path, "metadata.annotations") { return pod.metadata.annotations?[k] ?? "" }
            return nil
        }
    }
}
