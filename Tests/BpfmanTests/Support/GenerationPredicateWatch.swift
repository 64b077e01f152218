import Foundation
import TestHelpers

/// A peer controller's view of one resource: `kubectl get -w` filtered as
/// controller-runtime's GenerationChangedPredicate filters updates (an update
/// whose generation did not change is dropped). Used to show that the
/// deletions our agent and operator hold with finalizers are seen by such a
/// consumer: the real server, and kubesim, bump the generation when a
/// deletion starts.
final class GenerationPredicateWatch: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()

    init(_ cluster: ClusterNode, resource: String) throws {
        process.executableURL = URL(fileURLWithPath: Which.path("kubectl"))
        process.arguments = ["--kubeconfig", cluster.kubeconfig, "get", resource, "-A", "-w", "--output-watch-events", "-o",
                             #"jsonpath={.type} {.object.metadata.namespace}/{.object.metadata.name} {.object.metadata.generation} {.object.metadata.deletionTimestamp}{"\n"}"#]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    struct Event: Equatable {
        var type: String
        var key: String
        var generation: Int
        var deleting: Bool
    }

    /// Ends the watch; the events the predicate let through, in order.
    func stop() -> [Event] {
        process.terminate()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        var last: [String: Int] = [:]
        var passed: [Event] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 3 else { continue }
            let e = Event(type: f[0], key: f[1], generation: Int(f[2]) ?? 0, deleting: f.count > 3 && !f[3].isEmpty)
            defer { last[e.key] = e.generation }
            if e.type == "MODIFIED" && last[e.key] == e.generation { continue }
            passed.append(e)
        }
        return passed
    }

    /// Whether the predicate let through the start of `key`'s deletion.
    static func sawDeletionStart(_ events: [Event], key: String) -> Bool {
        events.contains { $0.key == key && $0.type == "MODIFIED" && $0.deleting }
    }
}
