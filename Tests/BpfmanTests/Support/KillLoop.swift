import Bpfman
import BpfmanRPC
import Foundation
import Glibc
import Testing

/// Starts `bpfman-rpc` on a sandbox `rounds` times, lets `workers` clients
/// run `step` against it, and SIGKILLs it at a random moment in `window`
/// (milliseconds) each time. Returns how many rounds ended in a SIGKILL.
enum KillLoop {
    static func run(_ box: Sandbox, rounds: Int, workers: Int = 3, window: ClosedRange<Int>, timeout: Duration = .seconds(10),
                    step: @escaping @Sendable (_ client: BpfmanClient, _ worker: Int, _ step: Int) async -> Void) async throws -> Int {
        var kills = 0
        for round in 0..<rounds {
            let server = try RPCServerProcess(box)
            let stop = StopFlag()
            try await BpfmanClient.withClient(socketPath: server.socketPath, defaultTimeout: timeout) { client in
                await withTaskGroup(of: Void.self) { group in
                    for worker in 0..<workers {
                        group.addTask {
                            var n = 0
                            while !stop.isSet {
                                n += 1
                                await step(client, worker, n + round)
                            }
                        }
                    }
                    // Let the workers get into the middle of something, then kill.
                    try? await Task.sleep(for: .milliseconds(Int.random(in: window)))
                    kill(server.process.processIdentifier, SIGKILL)
                    server.process.waitUntilExit()
                    stop.set()
                }
            }
            if server.process.terminationReason == .uncaughtSignal && server.process.terminationStatus == SIGKILL { kills += 1 }
        }
        return kills
    }
}

extension KillLoop {
    /// The records after a run, once it is checked that every acknowledged
    /// load no unload was asked for has one, and that the run did real work.
    static func records(after box: Sandbox, _ log: AckLog, minimumLoads: Int,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws -> [ProgramRecord] {
        let records = try box.records()
        let ids = Set(records.map(\.id))
        let acked = await log.live
        #expect(acked.isSubset(of: ids), "every acknowledged load that was not unloaded has its record: missing \(acked.subtracting(ids).sorted())",
                sourceLocation: sourceLocation)
        let loads = await log.loads
        #expect(loads >= minimumLoads, "the run did real work (\(loads) acknowledged loads)", sourceLocation: sourceLocation)
        return records
    }

    /// One client step: a load of what `load` makes (half the time), an
    /// unload of something loaded, or a priority move. Errors (the server
    /// dying, a step refused) are part of the run.
    static func randomStep(_ client: BpfmanClient, log: AckLog, priorities: ClosedRange<Int32>,
                           load: () -> Bpfman_V1_LoadRequest) async {
        do {
            switch Int.random(in: 0..<10) {
            case 0..<5:
                await log.loaded(try await client.load(load()).kernelInfo.id)
            case 5..<8:
                guard let id = await log.any() else { return }
                await log.unloading(id)
                try await client.unload(id: id)
            default:
                guard let id = await log.any() else { return }
                _ = try await client.update(id: id, priority: Int32.random(in: priorities))
            }
        } catch {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A flag set once, read from many tasks.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// What clients were told succeeded: `live` holds the acknowledged loads no
/// unload was asked for (an unload cut short may or may not have happened).
actor AckLog {
    private(set) var live: Set<UInt32> = []
    private(set) var loads = 0
    func loaded(_ id: UInt32) { live.insert(id); loads += 1 }
    func unloading(_ id: UInt32) { live.remove(id) }
    func any() -> UInt32? { live.randomElement() }
}
