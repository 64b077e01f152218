import Dispatch
import Foundation
import KubeClient
import KubeController

/// Test helper: campaigns for a Lease and prints "leading <identity>" while it
/// leads. SIGTERM is a clean shutdown (the lease is released); SIGKILL is a
/// crash. Used by the leader-election test to run real competing processes.
@main
struct LeaderElectionProbe {
    static func main() async throws {
        let args = CommandLine.arguments
        guard args.count == 4, let leaseMs = Int(args[3]) else {
            FileHandle.standardError.write(Data("usage: leader-election-probe KUBECONFIG IDENTITY LEASE_MS\n".utf8))
            exit(2)
        }
        let identity = args[2]
        let client = try KubeClient(config: try KubeConfigLoader.load(path: args[1]))
        var config = LeaderElector.Config(name: "probe-lease", namespace: "default", identity: identity)
        config.leaseDuration = .milliseconds(leaseMs)
        config.renewDeadline = .milliseconds(leaseMs * 2 / 3)
        config.retryPeriod = .milliseconds(max(leaseMs / 10, 50))
        let elector = LeaderElector(client: client, config: config)
        let run = Task {
            await elector.run {
                print("leading \(identity)")
                fflush(nil)
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
            }
        }
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM)
        source.setEventHandler { @Sendable in run.cancel() }
        source.resume()
        await run.value
        source.cancel()
        try await client.shutdown()
        print("stopped \(identity)")
    }
}
