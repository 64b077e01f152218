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
            ("bpfapplication", "app", (["apiVersion: bpfman.io/v1alpha1", "kind: BpfApplication", "metadata:", "  name: app", "spec:",
                                        "  nodeselector: {}", "  bytecode:", "    path: \(TestPaths.example("tracepoint_counter"))", "  programs:",
                                        "  - type: Tracepoint",
                                        "    tracepoint: {bpffunctionname: tracepoint_openat, names: [syscalls/sys_enter_openat, syscalls/sys_enter_close]}"])
                .joined(separator: "\n")),
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
            // The first node's failure is written at once; the second's follows within the coalescing interval.
            let message = try await cluster.waitForObject(resource, name, condition: "ReconcileError",
                                                          settled: { $0.contains("2 nodes failed") })
            print("\(resource)/\(name): \(message.prefix(400))")
            // One cause on both nodes: grouped, both named.
            #expect(message.contains("2 nodes failed") && message.contains("node-a") && message.contains("node-b") && message.contains("refused"), "\(message)")
        }
        let fin = try await cluster.kubectl(["get", "xdpprogram", "xdp", "-o", "jsonpath={.metadata.finalizers}"])
        #expect(fin.stdout.contains("bpfman.io.operator/finalizer"))
        let events = try await cluster.kubectl(["get", "events", "-A", "-o", "jsonpath={range .items[*]}{.involvedObject.name}={.reason};{end}"])
        // A failure is an Event; the ordinary way in to ReconcileSuccess is told by the condition alone.
        #expect(events.stdout.contains("fe=ReconcileError") && !events.stdout.contains("xdp="), "\(events.stdout)")

        // The programs run on both nodes: each node's XDP counts its own interface's packets.
        for (node, veth) in [(cluster.nodes[0], vethA), (cluster.nodes[1], vethB)] {
            let programs = try Self.loaded(node)
            // The application has two tracepoints.
            #expect(programs.count == working.count + 1, "\(node.node): \(programs.compactMap { $0.record?.metadata["bpfman.io/ProgramName"] })")
            let xdp = try #require(programs.first { $0.record?.kind == .xdp })
            let before = try node.box.counter(xdp, map: "xdp_stats_map", key: 0)
            try veth.sendToHost(10)
            #expect(try node.box.counter(xdp, map: "xdp_stats_map", key: 0) - before >= 10, "\(node.node) counted nothing")
            // And the tracepoint counts openat calls; the uprobe counts calls to the probed function.
            let tp = try #require(programs.first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp" })
            let up = try #require(programs.first { $0.record?.kind == .uprobe })
            let (opens, calls) = (try node.box.counter(tp, map: "tracepoint_stats_map", key: 0), try node.box.counter(up, map: "uprobe_stats_map", key: 0))
            for _ in 0..<20 { close(open("/proc/self/stat", O_RDONLY)) }
            _ = try Shell.run(TestPaths.testdata("uprobe_target"), ["3"])
            #expect(try node.box.counter(tp, map: "tracepoint_stats_map", key: 0) - opens >= 20)
            #expect(try node.box.counter(up, map: "uprobe_stats_map", key: 0) - calls >= 3)
        }
        let writes = try op.metric("bpfman_operator_api_writes_total")
        print("operator: \(writes) API writes for \(working.count + refused.count) objects on two nodes")
        // Per object a finalizer and at most one condition per step (waiting for both nodes, for one, done) —
        // never the same condition twice, nor a write per node report (the agents' messages are stable).
        #expect(writes <= Double(4 * (working.count + refused.count)), "\(writes) writes")
        #expect(try op.metric("bpfman_operator_objects", "condition=\"ReconcileSuccess\"") == Double(working.count))

        // kubectl delete waits for the finalizers: the agents unload, the operator lets go.
        // Peers that filter updates by generation see each deletion start.
        let userWatch = try GenerationPredicateWatch(cluster, resource: "xdpprograms")
        let bpfWatch = try GenerationPredicateWatch(cluster, resource: "bpfprograms")
        let xdpPrograms = try await cluster.bpfPrograms(ownedBy: "xdp").compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        try await Task.sleep(for: .milliseconds(500))
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
        let (userEvents, bpfEvents) = (userWatch.stop(), bpfWatch.stop())
        #expect(GenerationPredicateWatch.sawDeletionStart(userEvents, key: "/xdp"), "\(userEvents)")
        #expect(userEvents.contains { $0.key == "/xdp" && $0.type == "DELETED" })
        #expect(xdpPrograms.count == 2, "\(xdpPrograms)")
        // The agent unloads and drops its finalizer before it deletes a BpfProgram,
        // so there the consumer gets the DELETED itself (deletes always pass).
        for bp in xdpPrograms {
            #expect(bpfEvents.contains { $0.key == "/" + bp && $0.type == "DELETED" }, "\(bp): \(bpfEvents)")
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
        // Once every daemon node has reported (node-c, without the daemon, is never waited for).
        let failing = try await cluster.waitForObject("tcxprogram", "everywhere", condition: "ReconcileError",
                                                      settled: { !$0.contains("not reported yet") })
        print("everywhere: \(failing)")
        #expect(failing.contains("node-b (") && !failing.contains("node-a (") && !failing.contains("node-c")
            && failing.contains("1 node failed, 2 of 2 nodes reported"), "\(failing)")

        // A name no BpfProgram can carry (label values hold 63 characters): the reason is on the object itself.
        let long = String(repeating: "long-name-", count: 10).dropLast() + "x" as String
        let tooLong = Self.object("XdpProgram", long, function: "xdp_stats", example: "xdp_counter", nodeSelector: "{matchLabels: {role: a}}",
                                  ["interfaceselector: {interfaces: [\(vethA.host)]}", "priority: 20"])
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: tooLong).ok)
        let refused = try await cluster.waitForObject("xdpprogram", long, condition: "ReconcileError")
        #expect(refused.contains("the name is 100 characters") && refused.contains("at most 63"), "\(refused)")
        let made = try await cluster.kubectl(["get", "bpfprograms", "-o", "name"])
        #expect(made.ok && !made.stdout.contains("long-name"), "no BpfProgram was made for it: \(made.stdout)")

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
            if try await eventually(check) { return }
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

extension OperatorClusterTests {
    @Test("two replicas with --leader-elect: exactly one reconciles; killing the leader hands over within the lease time")
    func leaderElection() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let args = ["--leader-elect", "--leader-election-namespace", "bpfman"]
        let one = try OperatorProcess(cluster, name: "op-1", arguments: args + ["--leader-election-id", "op-1"])
        let two = try OperatorProcess(cluster, name: "op-2", arguments: args + ["--leader-election-id", "op-2"])
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: AgentClusterTests.tracepoint("tp-1")).ok)
        try await cluster.waitForObject("tracepointprogram", "tp-1", condition: "ReconcileSuccess")
        let holder = try await cluster.kubectl(["get", "lease", "8730d955.bpfman.io", "-n", "bpfman", "-o", "jsonpath={.spec.holderIdentity}"]).stdout
        #expect(holder == "op-1" || holder == "op-2", "holder \(holder)")
        let (leader, standby) = holder == "op-1" ? (one, two) : (two, one)
        #expect(try leader.metric("controller_runtime_reconcile_total") > 0)
        #expect(try standby.metric("controller_runtime_reconcile_total") == 0, "the standby reconciled")

        // The leader dies without releasing the lease: the standby takes over once it expires.
        leader.kill(SIGKILL)
        let killed = Date()
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: AgentClusterTests.tracepoint("tp-2")).ok)
        try await cluster.waitForObject("tracepointprogram", "tp-2", condition: "ReconcileSuccess", timeout: 45)
        print(String(format: "handover: tp-2 reached ReconcileSuccess %.1f s after the leader was killed (lease 15 s)", Date().timeIntervalSince(killed)))
        let now = try await cluster.kubectl(["get", "lease", "8730d955.bpfman.io", "-n", "bpfman", "-o", "jsonpath={.spec.holderIdentity}"]).stdout
        #expect(now == standby.name)
        #expect(try standby.metric("controller_runtime_reconcile_total") > 0)
        #expect(standby.stop() == 0)
    }

    @Test("leadership lost and won again three times: each term builds its own informers and handlers, so one config change still makes as many queue adds as in the first term")
    func leaderFlapsDoNotPileUpHandlers() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let op = try OperatorProcess(cluster, name: "op-1", arguments: ["--leader-elect", "--leader-election-namespace", "bpfman",
                                                                      "--leader-election-id", "op-1"])
        func count(_ line: String) -> Int { op.log.components(separatedBy: line).count - 1 }
        func waitFor(_ what: String, _ done: () async throws -> Bool) async throws {
            for _ in 0..<300 { if try await done() { return }; try await Task.sleep(for: .milliseconds(100)) }
            Issue.record("timed out waiting for \(what): \(op.log.suffix(2000))")
        }
        /// The queue adds one change of bpfman-config causes, once the DaemonSet shows it.
        func addsFor(logLevel: String) async throws -> Double {
            let before = try op.metric("workqueue_adds_total")
            try await cluster.applyConfig(["bpfman.agent.log.level": logLevel])
            try await waitFor("the DaemonSet at log level \(logLevel)") {
                try await cluster.kubectl(["get", "daemonset", "bpfman-daemon", "-n", "bpfman", "-o",
                                           #"jsonpath={.spec.template.metadata.annotations.bpfman\.io\.bpfman\.agent\.loglevel}"#]).stdout == logLevel
            }
            try await Task.sleep(for: .seconds(2))
            return try op.metric("workqueue_adds_total") - before
        }
        try await waitFor("the first term") { count("caches synced; reconciling") == 1 }
        _ = try await addsFor(logLevel: "warning") // makes bpfman-config and the DaemonSet
        // The fewest of two changes: an occasional extra event (a second write) does not count.
        let first = min(try await addsFor(logLevel: "debug"), try await addsFor(logLevel: "info"))
        #expect(first > 0)

        for flap in 1...3 {
            // Renewals fail for longer than the renew deadline: the term ends; then they work again.
            let fault = #"{"method":"PUT","pathContains":"/leases/8730d955.bpfman.io","status":500}"#
            #expect(try await cluster.kubectl(["create", "--raw", "/kubesim/faults", "-f", "-"], stdin: fault).ok)
            try await waitFor("lost leadership \(flap)") { count("lost leadership") == flap }
            #expect(try await cluster.kubectl(["create", "--raw", "/kubesim/faults/clear", "-f", "-"], stdin: "{}").ok)
            try await waitFor("term \(flap + 1)") { count("caches synced; reconciling") == flap + 1 }
        }
        let fourth = min(try await addsFor(logLevel: "debug"), try await addsFor(logLevel: "info"))
        print("queue adds for one bpfman-config change: \(first) in the first term, \(fourth) in the fourth")
        // Within one stray event (a second write's echo); handlers kept from three former terms add three or more.
        #expect(fourth <= first + 1, "handlers of former terms still fire: \(fourth) adds in the fourth term, \(first) in the first")
        #expect(count("became leader") == 4)
        #expect(op.stop() == 0)
    }

    @Test("memory: 400 unrelated ConfigMaps of 500 KB in another namespace do not grow the operator")
    func unrelatedConfigMaps() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let op = try OperatorProcess(cluster)
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: AgentClusterTests.tracepoint("tp")).ok)
        try await cluster.waitForObject("tracepointprogram", "tp", condition: "ReconcileSuccess")
        let before = op.rssMiB
        #expect(try await cluster.kubectl(["create", "namespace", "bulk"]).ok)
        let payload = String(repeating: "x", count: 500 * 1024)
        for batch in 0..<20 {
            let items = (0..<20).map { i in
                #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bulk-\#(batch)-\#(i)","namespace":"bulk"},"data":{"blob":"\#(payload)"}}"#
            }
            let file = "\(cluster.dir)/bulk.json"
            try #"{"apiVersion":"v1","kind":"List","items":[\#(items.joined(separator: ","))]}"#.write(toFile: file, atomically: true, encoding: .utf8)
            let r = try await cluster.kubectl(["create", "--validate=false", "-f", file, "-o", "name"])
            #expect(r.ok, "\(r.stderr.prefix(300))")
        }
        // A change of the one ConfigMap the operator reads still arrives.
        try await cluster.applyConfig()
        #expect(try await eventually { try await cluster.kubectl(["get", "daemonset", "bpfman-daemon", "-n", "bpfman"]).ok })
        try await Task.sleep(for: .seconds(2))
        let after = op.rssMiB
        print(String(format: "operator RSS: %.1f MiB before, %.1f MiB after 400 × 500 KB ConfigMaps (200 MB) elsewhere", before, after))
        #expect(after - before < 40, "the operator grew by \(after - before) MiB")
    }

    @Test("restart mid-way: a new operator converges the objects without a storm of writes")
    func restart() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let first = try OperatorProcess(cluster, name: "op-first")
        let names = (0..<30).map { "tp-\($0)" }
        let file = "\(cluster.dir)/many.yaml"
        try names.map { AgentClusterTests.tracepoint($0) }.joined(separator: "\n---\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await cluster.kubectl(["apply", "-f", file]).ok)
        // Killed as soon as it has written something: mid-way.
        var before = 0.0
        for _ in 0..<400 where before < 1 {
            before = (try? first.metric("bpfman_operator_api_writes_total")) ?? 0
            if before < 1 { try await Task.sleep(for: .milliseconds(10)) }
        }
        first.kill(SIGKILL)
        let second = try OperatorProcess(cluster, name: "op-second")
        for name in names { try await cluster.waitForObject("tracepointprogram", name, condition: "ReconcileSuccess") }
        try await Task.sleep(for: .seconds(2))
        let writes = try second.metric("bpfman_operator_api_writes_total")
        let statuses = try await cluster.kubectl(["get", "tracepointprograms", "-o", "jsonpath={range .items[*]}{.status.conditions[0].type} {end}"])
        print("restart: the new operator made \(writes) API writes to converge \(names.count) objects (the first had made \(before) when killed): \(Set(statuses.stdout.split(separator: " ")))")
        #expect(writes <= Double(2 * names.count), "at most a finalizer and a condition per object")
        // And then it is quiet.
        try await Task.sleep(for: .seconds(3))
        #expect(try second.metric("bpfman_operator_api_writes_total") == writes)
    }
}

extension OperatorClusterTests {
    @Test("namespaced kinds: a TcxNsProgram and a BpfNsApplication get their status from the BpfNsPrograms of their namespace")
    func namespaced() async throws {
        let veth = try VethPair()
        let criSocket = NSTemporaryDirectory() + "cri-\(UUID().uuidString.prefix(6)).sock"
        let cri = try await FakeCRI(socketPath: criSocket)
        defer { cri.stop() }
        let cluster = try await ClusterNode(internalIP: veth.hostIP, agentArguments: ["--cri-socket", criSocket])
        let op = try OperatorProcess(cluster)
        #expect(try await cluster.kubectl(["create", "namespace", "shop"]).ok)
        let web = try await AgentClusterTests.container(cluster, veth, pod: "web-1", namespace: "shop", labels: "{app: web}")
        defer { kill(web.pid, SIGKILL); kill(web.process.processIdentifier, SIGKILL) }
        cri.set([.init(podUID: web.uid, podName: "web-1", namespace: "shop", container: "nginx", pid: web.pid)])
        let inWeb = "interfaceselector: {interfaces: [\(veth.peer)]}, containers: {pods: {matchLabels: {app: web}}}"
        let tcx = ["apiVersion: bpfman.io/v1alpha1", "kind: TcxNsProgram", "metadata: {name: tcx-ns, namespace: shop}", "spec:",
                   "  bpffunctionname: tcx_stats", "  nodeselector: {}", "  bytecode: {path: \(TestPaths.example("tcx_counter"))}",
                   "  interfaceselector: {interfaces: [\(veth.peer)]}", "  containers: {pods: {matchLabels: {app: web}}}",
                   "  priority: 10", "  direction: ingress"].joined(separator: "\n")
        let app = ["apiVersion: bpfman.io/v1alpha1", "kind: BpfNsApplication", "metadata: {name: ns-app, namespace: shop}", "spec:",
                   "  nodeselector: {}", "  bytecode: {path: \(TestPaths.example("xdp_counter"))}", "  programs:",
                   "  - type: XDP", "    xdp: {bpffunctionname: xdp_stats, \(inWeb), priority: 10}"].joined(separator: "\n")
        // The same name in another namespace with no matching pod: its own status, not the other's.
        let empty = tcx.replacingOccurrences(of: "namespace: shop", with: "namespace: default")
        for yaml in [tcx, app, empty] {
            let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        try await cluster.waitForObject("tcxnsprogram", "tcx-ns", condition: "ReconcileSuccess", namespace: "shop")
        try await cluster.waitForObject("bpfnsapplication", "ns-app", condition: "ReconcileSuccess", namespace: "shop")
        try await cluster.waitForObject("tcxnsprogram", "tcx-ns", condition: "ReconcileSuccess", namespace: "default")
        let programs = try Self.loaded(cluster.nodes[0])
        #expect(programs.count == 2 && programs.allSatisfy { $0.record?.attach.netns == "/proc/\(web.pid)/ns/net" })
        for (resource, ns) in [("tcxnsprogram", "shop"), ("tcxnsprogram", "default")] {
            let r = try await cluster.kubectl(["delete", resource, "tcx-ns", "-n", ns, "--timeout=60s"])
            #expect(r.ok, "\(r.stderr)")
        }
        #expect(try await cluster.kubectl(["delete", "bpfnsapplication", "ns-app", "-n", "shop", "--timeout=60s"]).ok)
        #expect(try Self.loaded(cluster.nodes[0]).isEmpty)
        #expect(op.isRunning)
    }
}
