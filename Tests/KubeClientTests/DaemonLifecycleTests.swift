import KubeController
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A daemon's services as one ServiceGroup: a graceful shutdown stops them
/// from the last listed to the first, each in its own way, and a service
/// that ends on its own takes the others down the same way.
@Suite("daemon lifecycle")
struct DaemonLifecycleTests {
    final class Log: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ s: String) { lines.withLock { $0.append(s) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// client (resource), connection, controllers (work), in the daemons' order.
    static func services(_ log: Log, workEnds: Bool = false) -> [DaemonService] {
        let closed = Mutex(false)
        return [
            .resource("client") { log.add("client released") },
            .connection("rpc", run: {
                while !closed.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
                log.add("rpc returned")
            }, close: { closed.withLock { $0 = true }; log.add("rpc closing") }),
            .work("controllers") {
                do {
                    if workEnds { try await Task.sleep(for: .milliseconds(50)) } else { try await Task.sleep(for: .seconds(3600)) }
                    log.add("controllers ended")
                } catch {
                    log.add("controllers cancelled")
                    throw error
                }
            },
        ]
    }

    @Test("a graceful shutdown: the controllers are cancelled first, then the connection closes, then the client goes")
    func shutdownOrder() async throws {
        let log = Log()
        let group = Daemon.group(Self.services(log), signals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            #expect(log.all.isEmpty, "nothing stops before the shutdown")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(log.all == ["controllers cancelled", "rpc closing", "rpc returned", "client released"])
    }

    @Test("the controllers ending on their own shut the rest down in the same order, and the run returns")
    func workEnds() async throws {
        let log = Log()
        try await Daemon.group(Self.services(log, workEnds: true), signals: [], logger: Logger(label: "test")).run()
        #expect(log.all == ["controllers ended", "rpc closing", "rpc returned", "client released"])
    }
}
