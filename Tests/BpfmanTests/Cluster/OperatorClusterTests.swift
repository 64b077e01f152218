import Bpfman
import Foundation
import Testing
import TestHelpers

/// The whole flow: kubesim + bpfman-operator + two nodes' agents and
/// bpfman-rpc (one kernel) + kubectl.
@Suite("bpfman-operator in the cluster tier (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct OperatorClusterTests {
    static func object(_ kind: String, _ name: String, function: String, example: String, nodeSelector: String = "{}", _ lines: [String]) -> String {
        AgentClusterTests.object(kind, name, function: function, example: example, nodeSelector: nodeSelector, lines)
    }

    static func loaded(_ node: NodeAgent) throws -> [ProgramEntry] {
        try JSONDecoder.iso.decode([ProgramEntry].self, from: Data(try node.box.cli(["list", "--output", "json"]).stdout.utf8))
    }

    @Test("kubectl apply → ReconcileSuccess on two nodes, kubectl wait works, the programs run; refused kinds → ReconcileError naming both nodes; kubectl delete → unloaded everywhere, finalizers and object gone")
    func wholeFlow() async throws {
        let (vethA, vethB) = (try VethPair(), try VethPair())
        let cluster = try await ClusterNode(node: "node-a", internalIP: vethA.hostIP)
        try await cluster.addNode("node-b", internalIP: vethB.hostIP)
        let op = try OperatorProcess(cluster)
        let primary = "interfaceselector: {primarynodeinterface: true}"
        let working: [(String, String, String)] = [
            ("xdpprogram", "xdp", Self.object("XdpProgram", "xdp", function: "xdp_stats", example: "xdp_counter", [primary, "priority: 10"])),
            ("tcprogram", "tc", Self.object("TcProgram", "tc", function: "stats", example: "tc_counter", [primary, "priority: 10", "direction: ingress"])),
            ("tcxprogram", "tcx", Self.object("TcxProgram", "tcx", function: "tcx_stats", example: "tcx_counter", [primary, "priority: 10", "direction: egress"])),
            ("tracepointprogram", "tp", AgentClusterTests.tracepoint("tp")),
            ("uprobeprogram", "up", Self.object("UprobeProgram", "up", function: "uprobe_counter", example: "uprobe_counter",
                                                ["target: \(TestPaths.testdata("uprobe_target"))", "func_name: bpfman_test_fn"])),
        ]
        let refused: [(String, String, String)] = [
            ("kprobeprogram", "kp", Self.object("KprobeProgram", "kp", function: "kprobe_counter", example: "kprobe_counter", ["func_name: do_unlinkat"])),
            ("fentryprogram", "fe", AgentClusterTests.fentry("fe")),
            ("fexitprogram", "fx", Self.object("FexitProgram", "fx", function: "test_fexit", example: "fentry_counter", ["func_name: do_unlinkat"])),
        ]
        for (_, _, yaml) in working + refused {
            let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        for (resource, name, _) in working {
            let r = try await cluster.kubectl(["wait", "--for=condition=ReconcileSuccess", "\(resource)/\(name)", "--timeout=90s"])
            let now = try await cluster.objectCondition(resource, name).map { "\($0)" } ?? ""
            #expect(r.ok, "\(resource)/\(name): \(r.stderr) \(now)\n\(op.log.suffix(2000))")
        }
        for (resource, name, _) in refused {
            let message = try await cluster.waitForObject(resource, name, condition: "ReconcileError")
            print("\(resource)/\(name): \(message.prefix(400))")
            #expect(message.contains("node-a (") && message.contains("node-b (") && message.contains("refused"), "\(message)")
        }
        let fin = try await cluster.kubectl(["get", "xdpprogram", "xdp", "-o", "jsonpath={.metadata.finalizers}"])
        #expect(fin.stdout.contains("bpfman.io.operator/finalizer"))
        let events = try await cluster.kubectl(["get", "events", "-A", "-o", "jsonpath={range .items[*]}{.involvedObject.name}={.reason};{end}"])
        #expect(events.stdout.contains("xdp=ReconcileSuccess") && events.stdout.contains("fe=ReconcileError"), "\(events.stdout)")

        // The programs run on both nodes: each node's XDP counts its own interface's packets.
        for (node, veth) in [(cluster.nodes[0], vethA), (cluster.nodes[1], vethB)] {
            let programs = try Self.loaded(node)
            #expect(programs.count == working.count, "\(node.node): \(programs.compactMap { $0.record?.metadata["bpfman.io/ProgramName"] })")
            let xdp = try #require(programs.first { $0.record?.kind == .xdp })
            let before = try node.box.counter(xdp, map: "xdp_stats_map", key: 0)
            try veth.sendToHost(10)
            #expect(try node.box.counter(xdp, map: "xdp_stats_map", key: 0) - before >= 10, "\(node.node) counted nothing")
        }
        let writes = try op.metric("bpfman_operator_api_writes_total")
        print("operator: \(writes) API writes for \(working.count + refused.count) objects on two nodes")
        // A finalizer and a condition or two per object — not a write per node report (the agents' messages are stable).
        #expect(writes <= Double(3 * (working.count + refused.count)), "\(writes) writes")
        #expect(try op.metric("bpfman_operator_objects", "condition=\"ReconcileSuccess\"") == Double(working.count))

        // kubectl delete waits for the finalizers: the agents unload, the operator lets go.
        for (resource, name, _) in working + refused {
            let r = try await cluster.kubectl(["delete", resource, name, "--timeout=60s"])
            #expect(r.ok, "\(resource)/\(name): \(r.stderr)")
            let gone = try await cluster.kubectl(["get", resource, name])
            #expect(!gone.ok && gone.stderr.contains("NotFound"))
        }
        for node in cluster.nodes {
            #expect(try Self.loaded(node).isEmpty, "\(node.node) still has programs")
            #expect(try await cluster.bpfPrograms(ownedBy: "xdp").isEmpty)
        }
        #expect(op.stop() == 0, "SIGTERM is a clean stop")
    }

    @Test("nodes disagree: Loaded + NotSelected → Success; a failing node → ReconcileError naming it; a node without the daemon does not block, one with it is waited for")
    func nodesDisagree() async throws {
        let vethA = try VethPair()
        let cluster = try await ClusterNode(node: "node-a", labels: ["role": "a"], internalIP: vethA.hostIP)
        // node-b's InternalIP is on no interface of this machine: its primary interface cannot be found.
        try await cluster.addNode("node-b", internalIP: "10.254.254.254")
        // node-c: a Node without the daemon.
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-c\n").ok)
        try await cluster.applyConfig()
        for node in ["node-a", "node-b"] { try await cluster.daemonPod(on: node) }
        let op = try OperatorProcess(cluster)

        let onlyA = Self.object("XdpProgram", "only-a", function: "xdp_stats", example: "xdp_counter", nodeSelector: "{matchLabels: {role: a}}",
                                ["interfaceselector: {interfaces: [\(vethA.host)]}", "priority: 10"])
        let everywhere = Self.object("TcxProgram", "everywhere", function: "tcx_stats", example: "tcx_counter",
                                     ["interfaceselector: {primarynodeinterface: true}", "priority: 10", "direction: ingress"])
        for yaml in [onlyA, everywhere] { #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml).ok) }
        try await cluster.waitForObject("xdpprogram", "only-a", condition: "ReconcileSuccess")
        let failing = try await cluster.waitForObject("tcxprogram", "everywhere", condition: "ReconcileError")
        print("everywhere: \(failing)")
        #expect(failing.contains("node-b (") && !failing.contains("node-a (") && !failing.contains("node-c"), "\(failing)")

        // The daemon comes to node-c: now it is waited for, by name.
        try await cluster.daemonPod(on: "node-c")
        let waiting = try await cluster.waitForObject("xdpprogram", "only-a", condition: "NotYetLoaded")
        #expect(waiting.contains("node-c") && !waiting.contains("node-a"), "\(waiting)")
        // And goes again: success again.
        #expect(try await cluster.kubectl(["delete", "pod", "bpfman-daemon-node-c", "-n", "bpfman"]).ok)
        try await cluster.waitForObject("xdpprogram", "only-a", condition: "ReconcileSuccess")
        #expect(op.isRunning)
    }

    @Test("bpfman-config → DaemonSet, CSIDriver and SCC (OpenShift) as configured; a key change rolls the template; a hand edit is reverted; deletion removes them all")
    func bpfmanConfig() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP, simArguments: ["--openshift"])
        let op = try OperatorProcess(cluster)
        try await cluster.applyConfig(["bpfman.image": "registry.test/bpfman:v9", "bpfman.agent.image": "registry.test/agent:v9",
                                       "bpfman.agent.metric.addr": "127.0.0.1:9174"])
        func ds(_ path: String) async throws -> String {
            try await cluster.kubectl(["get", "daemonset", "bpfman-daemon", "-n", "bpfman", "-o", "jsonpath=\(path)"]).stdout
        }
        func until(_ what: String, _ check: () async throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline { if try await check() { return }; try await Task.sleep(for: .milliseconds(200)) }
            Issue.record("timed out waiting: \(what)\n\(op.log.suffix(2000))")
        }
        try await until("the DaemonSet") { try await ds("{.metadata.name}") == "bpfman-daemon" }
        #expect(try await ds("{.spec.template.spec.containers[?(@.name==\"bpfman\")].image}") == "registry.test/bpfman:v9")
        #expect(try await ds("{.spec.template.spec.containers[?(@.name==\"bpfman-agent\")].image}") == "registry.test/agent:v9")
        #expect(try await ds("{.spec.template.spec.containers[?(@.name==\"bpfman-agent\")].args}").contains("--metrics-bind-address=127.0.0.1:9174"))
        #expect(try await ds("{.metadata.ownerReferences[0].kind}") == "ConfigMap")
        #expect(try await cluster.kubectl(["get", "csidriver", "csi.bpfman.io"]).ok)
        #expect(try await cluster.kubectl(["get", "scc", "bpfman-restricted"]).ok, "OpenShift mode makes the SCC")
        #expect(try await cluster.kubectl(["get", "configmap", "bpfman-config", "-n", "bpfman", "-o", "jsonpath={.metadata.finalizers}"])
                .stdout.contains("bpfman.io.operator/finalizer"))

        // A key changes: the DaemonSet and its pod-template annotation follow.
        #expect(try await cluster.kubectl(["patch", "configmap", "bpfman-config", "-n", "bpfman", "--type=merge", "-p",
                                           #"{"data":{"bpfman.agent.log.level":"debug"}}"#]).ok)
        try await until("the log-level annotation") {
            try await ds("{.spec.template.metadata.annotations.bpfman\\.io\\.bpfman\\.agent\\.loglevel}") == "debug"
        }
        // A hand edit of the DaemonSet is put back.
        let edit = #"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil.test/bpfman:666"}]"#
        #expect(try await cluster.kubectl(["patch", "daemonset", "bpfman-daemon", "-n", "bpfman", "--type=json", "-p", edit]).ok)
        try await until("the hand edit reverted") {
            try await ds("{.spec.template.spec.containers[?(@.name==\"bpfman\")].image}") == "registry.test/bpfman:v9"
        }
        // Deleting the ConfigMap removes what it made, then the ConfigMap itself.
        let deleted = try await cluster.kubectl(["delete", "configmap", "bpfman-config", "-n", "bpfman", "--timeout=30s"])
        #expect(deleted.ok, "\(deleted.stderr)")
        try await until("the DaemonSet gone") { !(try await cluster.kubectl(["get", "daemonset", "bpfman-daemon", "-n", "bpfman"]).ok) }
        #expect(!(try await cluster.kubectl(["get", "csidriver", "csi.bpfman.io"]).ok))
        #expect(!(try await cluster.kubectl(["get", "scc", "bpfman-restricted"]).ok))
        #expect(!(try await cluster.kubectl(["get", "configmap", "bpfman-config", "-n", "bpfman"]).ok))
    }
}
