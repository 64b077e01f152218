import Bpfman
import Foundation
import Testing
import TestHelpers

/// Container selectors against real pods: kubesim-kubelet runs them under
/// node-a's containerd; bpfman-agent (a process, as in the cluster tier)
/// finds their containers through that containerd's CRI socket, and
/// bpfman-rpc attaches inside each pod's own network namespace.
@Suite("Local nodes: container selectors select real pods", .serialized,
       .enabled(if: Tier.kernel, "needs root: network and mount namespaces, containerd and runc, BPF"))
struct RealPodSelectorTests {
    /// A pod on node-a whose container copies the static uprobe target into its
    /// own filesystem (another inode than the machine's copy) and sleeps.
    static func pod(_ name: String, app: String, node: String = "node-a") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: default, labels: {app: \(app)}}
        spec:
          nodeName: \(node)
          containers:
          - name: app
            image: bpfman.local/busybox:1.35
            command: [/bin/sh, -c, "cp /testdata/uprobe_target_static /work/target && exec sleep 3600"]
            volumeMounts: [{name: testdata, mountPath: /testdata, readOnly: true}, {name: work, mountPath: /work}]
            readinessProbe: {exec: {command: [test, -x, /work/target]}}
          volumes:
          - {name: testdata, hostPath: {path: \(TestPaths.bpfDirectory)/testdata, type: Directory}}
          - {name: work, emptyDir: {}}
        """
    }

    struct RunningPod {
        var ip: String
        var containerID: String
        var pid: Int32
    }

    static func running(_ nodes: LocalNodes, _ name: String, node: String = "node-a") async throws -> RunningPod {
        var status: [String: Any] = [:]
        try await nodes.eventually("pod \(name) Ready") {
            status = try await nodes.podStatus(name)
            return (status["conditions"] as? [[String: Any]])?.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" } == true
        }
        let id = String(((status["containerStatuses"] as? [[String: Any]])?.first?["containerID"] as? String ?? "").dropFirst("containerd://".count))
        return RunningPod(ip: status["podIP"] as? String ?? "", containerID: id, pid: try nodes.containerPid(node, containerID: id))
    }

    func loaded(_ cluster: ClusterNode) throws -> [ProgramEntry] { try cluster.box.cliJSON([ProgramEntry].self, ["list"]) }

    static func send(to ip: String, count: Int) throws {
        _ = try Shell.sh("for i in $(seq \(count)); do echo bpfman > /dev/udp/\(ip)/9; done 2>/dev/null; true")
    }

    @Test("XDP and TCX attach in the selected pods' netns and count packets sent to their IPs; a uprobe counts calls in its container only; a new pod gets the programs; a deleted pod's are retired and leave nothing")
    func selectors() async throws {
        let nodes = try await LocalNodes()
        defer { nodes.stop() }
        try await nodes.up("node-a", index: 1)
        let cluster = try await ClusterNode(internalIP: "10.212.0.11", agentArguments: ["--cri-socket", nodes.criSocket("node-a")],
                                            sim: nodes.kubesim)
        try await cluster.waitForAgent()
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.pod("web-1", app: "web") + "\n---\n" + Self.pod("db-1", app: "db")).ok)
        let web1 = try await Self.running(nodes, "web-1")
        let db1 = try await Self.running(nodes, "db-1")
        #expect(web1.pid > 0 && db1.pid > 0 && web1.ip != db1.ip)

        let inWeb = ["interfaceselector: {interfaces: [eth0]}", "containers: {pods: {matchLabels: {app: web}}}"]
        for yaml in [
            AgentClusterTests.object("XdpProgram", "xdp-web", function: "xdp_stats", example: "xdp_counter", inWeb + ["priority: 10"]),
            AgentClusterTests.object("TcxProgram", "tcx-web", function: "tcx_stats", example: "tcx_counter", inWeb + ["priority: 10", "direction: ingress"]),
            AgentClusterTests.object("UprobeProgram", "up-web", function: "uprobe_counter", example: "uprobe_counter",
                                     ["target: /work/target", "func_name: bpfman_test_fn", "containers: {pods: {matchLabels: {app: web}}}"]),
        ] {
            let r = try await nodes.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        for owner in ["xdp-web", "tcx-web", "up-web"] { try await cluster.waitFor(owner, condition: "Loaded") }
        let xdp = try await cluster.bpfPrograms(ownedBy: "xdp-web")
        #expect(((xdp[0]["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["bpfman.io/bpfProgramAttachPoint"] == "eth0-web-1-app")
        var programs = try loaded(cluster)
        #expect(programs.count == 3)
        #expect(try HostNamespace.attachedPrograms().isEmpty, "attached in the machine's own network namespace")
        for p in programs where p.record?.kind != .uprobe {
            #expect(p.record?.attach.netns == "/proc/\(web1.pid)/ns/net", "\(String(describing: p.record?.attach))")
        }
        // Packets to web-1's address are counted by both; packets to db-1's by neither.
        let xdpEntry = try #require(programs.first { $0.record?.kind == .xdp })
        let tcxEntry = try #require(programs.first { $0.record?.kind == .tcx })
        let (x0, t0) = (try cluster.box.counter(xdpEntry, map: "xdp_stats_map", key: 0), try cluster.box.counter(tcxEntry, map: "tcx_stats_map", key: 1))
        try Self.send(to: db1.ip, count: 20)
        // The pods share the node's bridge: web-1 sees its ARP broadcasts, never db-1's 20 datagrams.
        #expect(try cluster.box.counter(xdpEntry, map: "xdp_stats_map", key: 0) - x0 < 20, "db-1's packets counted by web's XDP")
        try Self.send(to: web1.ip, count: 10)
        #expect(try cluster.box.counter(xdpEntry, map: "xdp_stats_map", key: 0) - x0 >= 10, "web-1's packets not counted by XDP")
        #expect(try cluster.box.counter(tcxEntry, map: "tcx_stats_map", key: 1) - t0 >= 10, "web-1's packets not counted by TCX")
        // The uprobe: calls in web-1's container count, the machine's copy and db-1's do not.
        let upEntry = try #require(programs.first { $0.record?.kind == .uprobe })
        let u0 = try cluster.box.counter(upEntry, map: "uprobe_stats_map", key: 0)
        _ = try Shell.run(TestPaths.testdata("uprobe_target_static"), ["5"])
        #expect(try nodes.ctr("node-a", ["tasks", "exec", "--exec-id", "up-db", db1.containerID, "/work/target", "5"]).ok)
        #expect(try cluster.box.counter(upEntry, map: "uprobe_stats_map", key: 0) == u0, "calls outside web-1 were counted")
        #expect(try nodes.ctr("node-a", ["tasks", "exec", "--exec-id", "up-web", web1.containerID, "/work/target", "4"]).ok)
        #expect(try cluster.box.counter(upEntry, map: "uprobe_stats_map", key: 0) - u0 == 4, "web-1's 4 calls")

        // A pod made after the programs gets them.
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.pod("web-2", app: "web")).ok)
        let web2 = try await Self.running(nodes, "web-2")
        try await cluster.waitFor("xdp-web", count: 2, condition: "Loaded")
        try await cluster.waitFor("tcx-web", count: 2, condition: "Loaded")
        try await cluster.waitFor("up-web", count: 2, condition: "Loaded")
        programs = try loaded(cluster)
        #expect(programs.filter { $0.record?.attach.netns == "/proc/\(web2.pid)/ns/net" }.count == 2, "XDP and TCX in web-2")
        let xdp2 = try #require(programs.first { $0.record?.kind == .xdp && $0.record?.attach.netns == "/proc/\(web2.pid)/ns/net" })
        try Self.send(to: web2.ip, count: 10)
        #expect(try cluster.box.counter(xdp2, map: "xdp_stats_map", key: 0) >= 10, "web-2's packets")

        // web-1 deleted: its BpfPrograms retire and its programs leave the kernel; web-2's stay.
        let web1IDs = Set(try loaded(cluster).filter { p in
            p.record?.attach.netns == "/proc/\(web1.pid)/ns/net" || p.record.map { "\($0.attach)".contains("\(web1.pid)") } == true
        }.map(\.kernel.id))
        #expect(web1IDs.count == 3)
        #expect(try await nodes.kubectl(["delete", "pod", "web-1"]).ok)
        for owner in ["xdp-web", "tcx-web", "up-web"] { try await cluster.waitFor(owner, count: 1, condition: "Loaded") }
        let left = try loaded(cluster)
        #expect(left.count == 3 && Set(left.map(\.kernel.id)).isDisjoint(with: web1IDs), "web-1's programs gone: \(left.map(\.kernel.id)) vs \(web1IDs)")
        #expect(try KernelTruth.programIDs().isDisjoint(with: web1IDs), "web-1's programs still in the kernel")

        for (kind, name) in [("xdpprogram", "xdp-web"), ("tcxprogram", "tcx-web"), ("uprobeprogram", "up-web")] {
            #expect(try await nodes.kubectl(["delete", kind, name]).ok)
        }
        try await eventually(within: .seconds(30), { try loaded(cluster) }, until: { $0.isEmpty })
        #expect(try loaded(cluster).isEmpty)
        #expect(try HostNamespace.attachedPrograms().isEmpty, "the machine's own network namespace has programs attached")
    }

    @Test("containerd killed on the node: a new object's BpfProgram says the runtime does not answer; containerd back, everything converges with no duplicate program")
    func containerdRestart() async throws {
        let nodes = try await LocalNodes()
        defer { nodes.stop() }
        try await nodes.up("node-a", index: 1)
        let cluster = try await ClusterNode(internalIP: "10.212.0.11", agentArguments: ["--cri-socket", nodes.criSocket("node-a")],
                                            sim: nodes.kubesim)
        try await cluster.waitForAgent()
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.pod("web-1", app: "web")).ok)
        let web1 = try await Self.running(nodes, "web-1")
        let inWeb = ["interfaceselector: {interfaces: [eth0]}", "containers: {pods: {matchLabels: {app: web}}}", "priority: 10"]
        #expect(try await nodes.kubectl(["apply", "-f", "-"],
                                        stdin: AgentClusterTests.object("XdpProgram", "xdp-web", function: "xdp_stats", example: "xdp_counter", inWeb)).ok)
        try await cluster.waitFor("xdp-web", condition: "Loaded")

        #expect(try Shell.run(LocalNodes.script, ["kill-containerd", "node-a", nodes.state]).ok)
        #expect(try await nodes.kubectl(["apply", "-f", "-"],
                                        stdin: AgentClusterTests.object("TcxProgram", "tcx-late", function: "tcx_stats", example: "tcx_counter",
                                                                        inWeb + ["direction: ingress"])).ok)
        let down = try await cluster.waitFor("tcx-late", condition: "NotLoaded", timeout: 90)
        let message = ClusterNode.condition(down[0])?.message ?? ""
        #expect(message.contains("container runtime") && message.contains(nodes.criSocket("node-a")), "cause: \(message)")
        #expect(try loaded(cluster).count == 1, "xdp-web stays loaded while the runtime is away")

        #expect(try Shell.run(LocalNodes.script, ["start-containerd", "node-a", nodes.state]).ok)
        try await cluster.waitFor("tcx-late", condition: "Loaded", timeout: 120)
        try await cluster.waitFor("xdp-web", condition: "Loaded")
        let programs = try loaded(cluster)
        #expect(programs.count == 2, "one XDP and one TCX program, no duplicate: \(programs.map { "\($0.kernel.id) \(String(describing: $0.record?.kind))" })")
        #expect(programs.allSatisfy { $0.record?.attach.netns == "/proc/\(web1.pid)/ns/net" })
        #expect(try await Self.running(nodes, "web-1").containerID == web1.containerID, "the pod's container kept running through the restart")
    }

    @Test("two local nodes: a program whose nodeSelector takes node-b loads only in node-b's pod and counts there; each node's bpfman holds only its own node's programs")
    func twoNodes() async throws {
        let nodes = try await LocalNodes()
        defer { nodes.stop() }
        try await nodes.up("node-a", index: 1)
        try await nodes.up("node-b", index: 2)
        let cluster = try await ClusterNode(internalIP: "10.212.0.11", agentArguments: ["--cri-socket", nodes.criSocket("node-a")],
                                            sim: nodes.kubesim)
        let b = try await cluster.addNode("node-b", internalIP: "10.212.0.12", agentArguments: ["--cri-socket", nodes.criSocket("node-b")])
        try await cluster.waitForAgent()
        #expect(try await nodes.kubectl(["apply", "-f", "-"],
                                        stdin: Self.pod("web-a", app: "web", node: "node-a") + "\n---\n" + Self.pod("web-b", app: "web", node: "node-b")).ok)
        let webA = try await Self.running(nodes, "web-a", node: "node-a")
        let webB = try await Self.running(nodes, "web-b", node: "node-b")
        #expect(webA.ip.hasPrefix("10.244.1.") && webB.ip.hasPrefix("10.244.2."), "each node's pod range: \(webA.ip) \(webB.ip)")
        let yaml = AgentClusterTests.object("XdpProgram", "xdp-b", function: "xdp_stats", example: "xdp_counter",
                                            nodeSelector: "{matchLabels: {kubernetes.io/hostname: node-b}}",
                                            ["interfaceselector: {interfaces: [eth0]}", "containers: {pods: {matchLabels: {app: web}}}", "priority: 10"])
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: yaml).ok)
        try await cluster.waitFor("xdp-b", node: "node-b", condition: "Loaded")
        try await cluster.waitFor("xdp-b", node: "node-a", condition: "NotSelected")
        #expect(try loaded(cluster).isEmpty, "node-a's bpfman has a program for node-b")
        let onB = try b.box.cliJSON([ProgramEntry].self, ["list"])
        #expect(onB.count == 1 && onB[0].record?.attach.netns == "/proc/\(webB.pid)/ns/net")
        let entry = try #require(onB.first)
        try Self.send(to: webB.ip, count: 10)
        #expect(try b.box.counter(entry, map: "xdp_stats_map", key: 0) >= 10, "packets to web-b on node-b")
        #expect(try HostNamespace.attachedPrograms().isEmpty, "attached in the machine's own network namespace")
        #expect(try await nodes.kubectl(["delete", "xdpprogram", "xdp-b"]).ok)
        let left = try await eventually(within: .seconds(30), {
            try b.box.cliJSON([ProgramEntry].self, ["list"])
        }, until: { $0.isEmpty })
        #expect(left.isEmpty, "node-b's program stays after the delete")
    }
}
