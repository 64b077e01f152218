import Bpfman
import Foundation
import Testing
import TestHelpers

/// The API server goes away for 30 s (kubesim killed, restarted with the same
/// data directory, port, CA and token): the agent and the operator stay up,
/// say why they are not ready, and converge afterwards without duplicates.
@Suite("API server outage (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct OutageTests {
    @Test("a 30 s API server outage: agent and operator stay up with /readyz failing and the cause logged, then converge with no duplicates")
    func rideOut() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        // With a lease, so the outage also costs the operator its leadership: the next term starts afresh.
        let op = try OperatorProcess(cluster, name: "op", arguments: ["--leader-elect", "--leader-election-namespace", "bpfman"])
        let agent = cluster.nodes[0]
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: AgentClusterTests.tracepoint("before")).ok)
        try await cluster.waitForObject("tracepointprogram", "before", condition: "ReconcileSuccess")
        #expect(NodeAgent.readyz(port: agent.healthPort) == 200 && NodeAgent.readyz(port: op.healthPort) == 200)

        guard let port = cluster.sim.port else { Issue.record("no port in \(cluster.kubeconfig)"); return }
        cluster.sim.kill()
        var readyDuring: [(Int, Int)] = []
        for _ in 0..<6 {
            try await Task.sleep(for: .seconds(5))
            readyDuring.append((NodeAgent.readyz(port: agent.healthPort), NodeAgent.readyz(port: op.healthPort)))
        }
        #expect(agent.isRunning && op.isRunning, "both ride out the outage; agent log: \(agent.log.suffix(600)); operator log: \(op.log.suffix(600))")
        #expect(readyDuring.dropFirst().allSatisfy { $0 == (503, 503) }, "/readyz fails while the server is away: \(readyDuring)")
        #expect(agent.log.contains("the API server is not serving this client") && agent.log.contains("cannot reach"),
                "the agent logs the cause: \(agent.log.suffix(800))")
        #expect(op.log.contains("the API server is not serving this client"), "\(op.log.suffix(800))")

        try await cluster.sim.start(port: port)
        let back = Date()
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: AgentClusterTests.tracepoint("after")).ok)
        try await cluster.waitForObject("tracepointprogram", "after", condition: "ReconcileSuccess", timeout: 90)
        let converged = Date().timeIntervalSince(back)
        #expect(try await cluster.kubectl(["delete", "tracepointprogram", "before", "--wait=true", "--timeout=60s"]).ok)
        print(String(format: "outage: 'after' reached ReconcileSuccess %.1f s after the server came back; 'before' was gone %.1f s after", converged, Date().timeIntervalSince(back)))

        // No duplicates: one BpfProgram for the object on the node, one program in the kernel.
        #expect(try await cluster.bpfPrograms(ownedBy: "after").count == 1)
        #expect(try await cluster.bpfPrograms(ownedBy: "before").isEmpty)
        let loaded = try OperatorClusterTests.loaded(agent)
        #expect(loaded.count == 1, "only 'after' is loaded: \(loaded.map { $0.record?.name ?? "?" })")
        var ready = (0, 0)
        for _ in 0..<40 {
            ready = (NodeAgent.readyz(port: agent.healthPort), NodeAgent.readyz(port: op.healthPort))
            if ready == (200, 200) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(ready == (200, 200), "ready again: \(ready)")
        #expect(agent.log.contains("the API server answers again"))
        let holder = try await cluster.kubectl(["get", "lease", "8730d955.bpfman.io", "-n", "bpfman", "-o", "jsonpath={.spec.holderIdentity}"])
        #expect(holder.ok && !holder.stdout.isEmpty, "the operator leads again: \(holder.stdout)\(holder.stderr)")
        #expect(op.stop() == 0)
    }
}
