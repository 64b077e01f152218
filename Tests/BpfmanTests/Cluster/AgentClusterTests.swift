import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

/// The cluster tier: kubesim + bpfman-rpc + bpfman-agent as real processes,
/// kubectl as the client, programs in the host kernel.
@Suite("bpfman-agent in the cluster tier (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct AgentClusterTests {
    /// A program object: kind, name, function, the example object, and the kind's own spec lines.
    static func object(_ kind: String, _ name: String, function: String, example: String, nodeSelector: String = "{}",
                       _ lines: [String]) -> String {
        (["apiVersion: bpfman.io/v1alpha1", "kind: \(kind)", "metadata:", "  name: \(name)", "spec:",
          "  bpffunctionname: \(function)", "  nodeselector: \(nodeSelector)", "  bytecode:", "    path: \(TestPaths.example(example))"]
            + lines.map { "  " + $0 }).joined(separator: "\n")
    }

    static func xdp(_ name: String, iface: String, priority: Int = 50, function: String = "xdp_stats", nodeSelector: String = "{}") -> String {
        object("XdpProgram", name, function: function, example: "xdp_counter", nodeSelector: nodeSelector,
               ["interfaceselector: {interfaces: [\(iface)]}", "priority: \(priority)"])
    }

    static func tracepoint(_ name: String) -> String {
        object("TracepointProgram", name, function: "tracepoint_openat", example: "tracepoint_counter", ["names: [syscalls/sys_enter_openat]"])
    }

    static func fentry(_ name: String) -> String {
        object("FentryProgram", name, function: "test_fentry", example: "fentry_counter", ["func_name: do_unlinkat"])
    }

    func loaded(_ cluster: ClusterNode) throws -> [ProgramEntry] {
        let r = try cluster.box.cli(["list", "--output", "json"])
        return try JSONDecoder.iso.decode([ProgramEntry].self, from: Data(r.stdout.utf8))
    }

    @Test("XdpProgram → one Loaded BpfProgram with upstream's metadata, the kernel id annotated, packets counted; update in place; delete unloads")
    func xdpLifecycle() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.xdp("xdp-counter", iface: veth.host)).ok)
        let bp = try #require(try await cluster.waitFor("xdp-counter", condition: "Loaded").first)
        let meta = try #require(bp["metadata"] as? [String: Any])
        #expect(meta["labels"] as? [String: String] == ["bpfman.io/ownedByProgram": "xdp-counter", "bpfman.io/appProgramId": "",
                                                       "kubernetes.io/hostname": "node-a"])
        #expect(meta["finalizers"] as? [String] == ["bpfman.io.xdpprogramcontroller/finalizer"])
        let owner = try #require((meta["ownerReferences"] as? [[String: Any]])?.first)
        #expect(owner["kind"] as? String == "XdpProgram" && owner["name"] as? String == "xdp-counter" && owner["controller"] as? Bool == true)
        let ann = try #require(meta["annotations"] as? [String: String])
        #expect(ann["bpfman.io/bpfProgramAttachPoint"] == veth.host && ann["bpfman.io.xdpprogramcontroller/interface"] == veth.host)
        #expect((bp["spec"] as? [String: Any])?["type"] as? String == "xdp")
        let programs = try loaded(cluster)
        #expect(programs.count == 1)
        let program = try #require(programs.first)
        #expect(ann["bpfman.io/ProgramId"] == "\(program.kernel.id)")
        #expect(program.record?.metadata["bpfman.io/BpfProgram"] == meta["name"] as? String)
        #expect(program.record?.metadata["bpfman.io/ProgramName"] == "xdp-counter")
        let before = try cluster.box.counter(program, map: "xdp_stats_map", key: 0)
        try veth.sendToHost(10)
        #expect(try cluster.box.counter(program, map: "xdp_stats_map", key: 0) - before >= 10)

        // Metrics: programs by type and state; bpfman call latency.
        #expect(try cluster.metric("bpfman_agent_programs", "state=\"Loaded\"") == 1)
        #expect(try cluster.metric("bpfman_agent_rpc_duration_seconds_count", "call=\"load\"") >= 1)

        // Idle: nothing to do means no bpfman call and no API write.
        let (loads, writes) = (try cluster.metric("bpfman_agent_rpc_calls_total", "load"), try cluster.metric("bpfman_agent_api_writes_total"))
        #expect(try await cluster.kubectl(["label", "xdpprogram", "xdp-counter", "touched=yes"]).ok)
        try await Task.sleep(for: .seconds(2))
        #expect(try cluster.metric("bpfman_agent_rpc_calls_total", "load") == loads)
        #expect(try cluster.metric("bpfman_agent_api_writes_total") == writes, "an idle pass wrote to the API")
        print("xdp: \(writes) API writes to converge one program (create, annotation, status)")

        // A new priority moves the program in place: same id, one update call.
        #expect(try await cluster.kubectl(["patch", "xdpprogram", "xdp-counter", "--type=merge", "-p", #"{"spec":{"priority":7}}"#]).ok)
        func priority() throws -> Int32? {
            guard case .xdp(let x) = try loaded(cluster).first?.record?.attach else { return nil }
            return x.priority
        }
        #expect(try await eventually({ try priority() }, until: { $0 == 7 }) == 7)
        #expect(try loaded(cluster).map(\.kernel.id) == [program.kernel.id], "the program was reloaded, not moved")
        #expect(try cluster.metric("bpfman_agent_rpc_calls_total", "update") >= 1)

        #expect(try await cluster.kubectl(["delete", "xdpprogram", "xdp-counter", "--wait=false"]).ok)
        let gone = Date().addingTimeInterval(30)
        while Date() < gone, !(try await cluster.bpfPrograms(ownedBy: "xdp-counter").isEmpty) { try await Task.sleep(for: .milliseconds(200)) }
        #expect(try await cluster.bpfPrograms(ownedBy: "xdp-counter").isEmpty, "\(cluster.log.suffix(2000))")
        #expect(try loaded(cluster).isEmpty)
        #expect(cluster.box.pins().isEmpty, "left behind: \(cluster.box.pins())")
    }

    @Test("tracepoint Loaded; kprobe, fentry, fexit NotLoaded with the kernel's refusal; verifier rejection, missing image, function or interface NotLoaded with the cause, nothing in the kernel; nodeSelector → NotSelected")
    func conditionsTellTheTruth() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let kprobe = Self.object("KprobeProgram", "kp", function: "kprobe_counter", example: "kprobe_counter", ["func_name: do_unlinkat"])
        let fexit = Self.object("FexitProgram", "fx", function: "test_fexit", example: "fentry_counter", ["func_name: do_unlinkat"])
        let verifier = Self.object("XdpProgram", "badprog", function: "bad_prog", example: "xdp_counter",
                                   ["interfaceselector: {interfaces: [\(veth.host)]}", "priority: 50"])
            .replacingOccurrences(of: TestPaths.example("xdp_counter"), with: TestPaths.testdata("bad_verifier.bpf.o"))
        let registry = try TestRegistry()
        let noImage = Self.tracepoint("noimage").replacingOccurrences(of: "    path: \(TestPaths.example("tracepoint_counter"))",
                                                                     with: "    image: {url: \"\(registry.host)/bpfman/none:v1\", imagepullpolicy: Always}")
        for yaml in [Self.tracepoint("tp"), Self.fentry("fe"), kprobe, fexit, verifier, noImage, Self.xdp("nofn", iface: veth.host, function: "nope"),
                     Self.xdp("noif", iface: "bpfmannoif0"), Self.xdp("elsewhere", iface: veth.host, nodeSelector: "{matchLabels: {zone: moon}}")] {
            let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        try await cluster.waitFor("tp", condition: "Loaded")
        let tp = try #require(try loaded(cluster).first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp" })
        let opens = try cluster.box.counter(tp, map: "tracepoint_stats_map", key: 0)
        for _ in 0..<20 { close(open("/proc/self/stat", O_RDONLY)) }
        #expect(try cluster.box.counter(tp, map: "tracepoint_stats_map", key: 0) - opens >= 20, "the tracepoint did not count openat")
        let fe = try await cluster.waitFor("fe", condition: "NotLoaded")
        #expect(ClusterNode.condition(fe[0])?.message.contains("refused") == true, "\(ClusterNode.condition(fe[0])?.message ?? "")")
        // The kernel's refusal, the verifier's words and the registry's failure, each in the message.
        for (name, cause) in [("kp", "The kernel refused: it has no kprobe support"), ("fx", "the kernel refused to load fexit program"),
                              ("badprog", "invalid access to packet"), ("noimage", "\(registry.host)/bpfman/none:v1")] {
            let bp = try await cluster.waitFor(name, condition: "NotLoaded")
            let message = ClusterNode.condition(bp[0])?.message ?? ""
            print("\(name): \(message)")
            #expect(message.contains(cause), "\(name): \(message)")
        }
        let nofn = try await cluster.waitFor("nofn", condition: "NotLoaded")
        #expect(ClusterNode.condition(nofn[0])?.message.contains("no program named \"nope\"") == true, "\(ClusterNode.condition(nofn[0])?.message ?? "")")
        let noif = try await cluster.waitFor("noif", condition: "NotLoaded")
        #expect(ClusterNode.condition(noif[0])?.message.contains("interface \"bpfmannoif0\" not found") == true)
        try await cluster.waitFor("elsewhere", condition: "NotSelected")
        #expect(try loaded(cluster).count == 1, "only the tracepoint is in the kernel")

        // An image whose pull secret does not exist: BytecodeSelectorError, with the secret named.
        let image = Self.object("TracepointProgram", "secretive", function: "tracepoint_openat", example: "tracepoint_counter",
                                ["names: [syscalls/sys_enter_openat]"])
            .replacingOccurrences(of: "    path: \(TestPaths.example("tracepoint_counter"))",
                                  with: "    image: {url: \"localhost:5999/none:v1\", imagepullsecret: {name: nope, namespace: default}}")
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: image).ok)
        let sel = try await cluster.waitFor("secretive", condition: "BytecodeSelectorError")
        #expect(ClusterNode.condition(sel[0])?.message.contains("cannot read image pull secret default/nope") == true,
                "\(ClusterNode.condition(sel[0])?.message ?? "")")

        // Relabel the node: now selected, loaded.
        #expect(try await cluster.kubectl(["label", "node", "node-a", "zone=moon"]).ok)
        try await cluster.waitFor("elsewhere", condition: "Loaded")
        // Deleting objects that never loaded works.
        let failed = [("fentryprogram", "fe"), ("kprobeprogram", "kp"), ("fexitprogram", "fx"), ("xdpprogram", "badprog"),
                      ("tracepointprogram", "noimage"), ("xdpprogram", "nofn"), ("xdpprogram", "noif")]
        for (kind, name) in failed { #expect(try await cluster.kubectl(["delete", kind, name, "--wait=false"]).ok) }
        try await eventually({
            var left = 0
            for (_, name) in failed { left += try await cluster.bpfPrograms(ownedBy: name).count }
            return left
        }, until: { $0 == 0 })
        for (_, name) in failed { #expect(try await cluster.bpfPrograms(ownedBy: name).isEmpty, "\(name) left a BpfProgram") }
        #expect(try loaded(cluster).count == 2, "only the tracepoint and the relabelled XDP program are in the kernel")
    }
}


extension AgentClusterTests {
    @Test("TC ingress and egress, TCX and a uprobe: Loaded, in the kernel with their attach points, and counting")
    func otherKinds() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let target = TestPaths.testdata("uprobe_target")
        for yaml in [
            Self.object("TcProgram", "tc-in", function: "stats", example: "tc_counter",
                        ["interfaceselector: {primarynodeinterface: true}", "priority: 10", "direction: ingress"]),
            Self.object("TcProgram", "tc-out", function: "stats", example: "tc_counter",
                        ["interfaceselector: {interfaces: [\(veth.host)]}", "priority: 10", "direction: egress", "proceedon: [ok, pipe]"]),
            Self.object("TcxProgram", "tcx-in", function: "tcx_stats", example: "tcx_counter",
                        ["interfaceselector: {interfaces: [\(veth.host)]}", "priority: 5", "direction: ingress"]),
            Self.object("UprobeProgram", "up", function: "uprobe_counter", example: "uprobe_counter",
                        ["target: \(target)", "func_name: bpfman_test_fn"]),
        ] {
            let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        for name in ["tc-in", "tc-out", "tcx-in", "up"] { try await cluster.waitFor(name, condition: "Loaded") }
        let keys = try await ["tc-in", "tc-out", "tcx-in", "up"].asyncMap {
            ((try await cluster.bpfPrograms(ownedBy: $0).first?["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["bpfman.io/bpfProgramAttachPoint"]
        }
        // The primary interface is the one holding the Node's InternalIP.
        #expect(keys == ["\(veth.host)-ingress", "\(veth.host)-egress", "\(veth.host)-ingress", "\(target.dropFirst().lowercased().replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "_", with: "-"))-bpfman-test-fn"])
        let kinds = try loaded(cluster).compactMap { $0.record?.kind }.map(\.rawValue).sorted()
        #expect(kinds == ["tc", "tc", "tcx", "uprobe"])
        guard case .tc(let out) = try loaded(cluster).first(where: { $0.record?.metadata["bpfman.io/ProgramName"] == "tc-out" })?.record?.attach else {
            Issue.record("tc-out not loaded"); return
        }
        #expect(out.direction == .egress && out.proceedOn == [.ok, .pipe])

        // And they work: packets in and out of the veth, calls to the probed function.
        let all = try loaded(cluster)
        func program(_ name: String) throws -> ProgramEntry {
            try #require(all.first { $0.record?.metadata["bpfman.io/ProgramName"] == name })
        }
        let (tcIn, tcOut, tcx, up) = (try program("tc-in"), try program("tc-out"), try program("tcx-in"), try program("up"))
        let before = [try cluster.box.counter(tcIn, map: "tc_stats_map", key: 0), try cluster.box.counter(tcOut, map: "tc_stats_map", key: 0),
                      try cluster.box.counter(tcx, map: "tcx_stats_map", key: 1), try cluster.box.counter(up, map: "uprobe_stats_map", key: 0)]
        try veth.sendToHost(10)
        try veth.sendToPeer(10)
        _ = try Shell.run(target, ["5"])
        let after = [try cluster.box.counter(tcIn, map: "tc_stats_map", key: 0), try cluster.box.counter(tcOut, map: "tc_stats_map", key: 0),
                     try cluster.box.counter(tcx, map: "tcx_stats_map", key: 1), try cluster.box.counter(up, map: "uprobe_stats_map", key: 0)]
        let delta = zip(after, before).map { $0 - $1 }
        #expect(delta[0] >= 10 && delta[1] >= 10 && delta[2] >= 10 && delta[3] >= 5, "tc-in, tc-out, tcx-in, uprobe counted \(delta)")
    }

    @Test("BpfApplication: several programs converge in one pass; a removed entry is retired; delete unloads all")
    func application() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        func app(_ entries: [String]) -> String {
            (["apiVersion: bpfman.io/v1alpha1", "kind: BpfApplication", "metadata:", "  name: app", "spec:", "  nodeselector: {}",
              "  bytecode:", "    path: \(TestPaths.example("tracepoint_counter"))", "  programs:"] + entries).joined(separator: "\n")
        }
        let tp = ["  - type: Tracepoint", "    tracepoint: {bpffunctionname: tracepoint_openat, names: [syscalls/sys_enter_openat, syscalls/sys_enter_close]}"]
        let kp = ["  - type: Kprobe", "    kprobe: {bpffunctionname: kprobe_counter, func_name: do_unlinkat}"]
        let (reconciles0, writes0) = (try cluster.metric("controller_runtime_reconcile_total", "application"), try cluster.metric("bpfman_agent_api_writes_total"))
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: app(tp)).ok)
        let bps = try await cluster.waitFor("app", count: 2, condition: "Loaded")
        let labels = bps.compactMap { ($0["metadata"] as? [String: Any])?["labels"] as? [String: String] }
        #expect(Set(labels.compactMap { $0["bpfman.io/appProgramId"] }) == ["tracepoint-tracepoint_openat"])
        #expect(bps.allSatisfy { (($0["metadata"] as? [String: Any])?["name"] as? String)?.hasPrefix("app-tracepoint-") == true })
        #expect(bps.allSatisfy { ($0["spec"] as? [String: Any])?["type"] as? String == "application" })
        try await Task.sleep(for: .seconds(1))
        let reconciles = try cluster.metric("controller_runtime_reconcile_total", "application") - reconciles0
        let writes = try cluster.metric("bpfman_agent_api_writes_total") - writes0
        print("application with 2 attach points: \(reconciles) reconcile passes, \(writes) API writes")
        #expect(writes == 4, "each of two BpfPrograms created with its kernel id, then its status")

        // This kernel has no kprobes: the new entry reports it; dropping the tracepoint entry retires its two BpfPrograms.
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: app(kp)).ok)
        let k = try await cluster.waitFor("app", count: 1, condition: "NotLoaded")
        #expect(((k[0]["metadata"] as? [String: Any])?["labels"] as? [String: String])?["bpfman.io/appProgramId"] == "kprobe-do-unlinkat-kprobe_counter")
        #expect(try loaded(cluster).isEmpty)
        #expect(try await cluster.kubectl(["delete", "bpfapplication", "app", "--wait=false"]).ok)
        #expect(try await eventually { try await cluster.bpfPrograms(ownedBy: "app").isEmpty })
    }

    @Test("signed bytecode: an XdpProgram whose image is unsigned under enforce is NotLoaded with the reason and nothing loads; signed, it loads; under warn a TracepointProgram loads with the warning on its status")
    func signedImages() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let registry = try TestRegistry()
        let box = cluster.box
        let xdpRef = "\(registry.host)/signed/xdp:v1", tpRef = "\(registry.host)/plain/tp:v1"
        let digest = try ImageTests.push(box, TestPaths.example("xdp_counter"), to: xdpRef)
        try ImageTests.push(box, TestPaths.example("tracepoint_counter"), to: tpRef)
        try Shell.sh("cd \(box.base) && openssl genpkey -algorithm ed25519 -out sign.key 2>/dev/null && openssl pkey -in sign.key -pubout -out sign.pub")
        try """
            [signing]
            mode = "warn"
            [[signing.policy]]
            images = "\(registry.host)/signed/*"
            mode = "enforce"
            keys = ["\(box.base)/sign.pub"]
            """.write(toFile: box.base + "/bpfman.toml", atomically: true, encoding: .utf8)
        cluster.nodes[0].stopRPC()
        try cluster.nodes[0].startRPC()
        func fromImage(_ yaml: String, _ example: String, _ ref: String) -> String {
            yaml.replacingOccurrences(of: "    path: \(TestPaths.example(example))", with: "    image: {url: \"\(ref)\", imagepullpolicy: Always}")
        }
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: fromImage(Self.xdp("xdp-signed", iface: veth.host), "xdp_counter", xdpRef)).ok)
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: fromImage(Self.tracepoint("tp-plain"), "tracepoint_counter", tpRef)).ok)

        let refused = try await cluster.waitFor("xdp-signed", condition: "NotLoaded")
        let why = ClusterNode.condition(refused[0])?.message ?? ""
        #expect(why.contains("image \(xdpRef) (\(digest)) is unsigned") && why.contains("the signing mode is enforce"), "\(why)")
        let warned = try await cluster.waitFor("tp-plain", condition: "Loaded")
        let warning = ClusterNode.condition(warned[0])?.message ?? ""
        #expect(warning.contains("image signature warning: image \(tpRef)") && warning.contains("is unsigned"), "\(warning)")
        #expect(try loaded(cluster).map { $0.record?.metadata["bpfman.io/ProgramName"] } == ["tp-plain"], "the unsigned XDP image was loaded")
        #expect(try loaded(cluster).first?.record?.signature?.verdict == .warning)

        // Signed: the next pass (a label change starts one at once) loads it, verified.
        #expect(try box.cli(["image", "sign", "-i", xdpRef, "-k", box.base + "/sign.key"]).ok)
        #expect(try await cluster.kubectl(["label", "xdpprogram", "xdp-signed", "signed=yes"]).ok)
        try await cluster.waitFor("xdp-signed", condition: "Loaded")
        let xdp = try #require(try loaded(cluster).first { $0.record?.metadata["bpfman.io/ProgramName"] == "xdp-signed" })
        #expect(xdp.record?.signature == ImageSignature(verdict: .verified, signer: "key \(box.base)/sign.pub", digest: digest))
        withExtendedLifetime(registry) {}
    }

    @Test("mapOwnerSelector: the sharer waits in MapOwnerNotFound, then loads with the owner's maps")
    func mapOwner() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let sharer = Self.object("TracepointProgram", "tp-sharer", function: "tracepoint_openat", example: "tracepoint_counter",
                                 ["names: [syscalls/sys_enter_openat]", "mapownerselector: {matchLabels: {bpfman.io/ownedByProgram: tp-owner}}"])
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: sharer).ok)
        try await cluster.waitFor("tp-sharer", condition: "MapOwnerNotFound")
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.tracepoint("tp-owner")).ok)
        try await cluster.waitFor("tp-owner", condition: "Loaded")
        try await cluster.waitFor("tp-sharer", condition: "Loaded", timeout: 30)
        let programs = try loaded(cluster)
        let owner = try #require(programs.first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp-owner" })
        let user = try #require(programs.first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp-sharer" })
        #expect(user.record?.mapOwnerID == owner.kernel.id)
        #expect(!Set(user.kernel.mapIDs).isDisjoint(with: Set(owner.kernel.mapIDs)), "the sharer uses the owner's map")

        // A pod's csi.bpfman.io volume naming the sharer gets the shared map,
        // found through the bpfman.io/ProgramName the agent set.
        let csi = try CSIClient(socket: cluster.nodes[0].csiSocket, stubsIn: cluster.box.base)
        let pod = cluster.box.base + "/pods/counter"
        try FileManager.default.createDirectory(atPath: pod, withIntermediateDirectories: true)
        let published = try csi.publish("csi-counter", at: pod + "/mount", program: "tp-sharer", maps: "tracepoint_stats_map", readOnly: true, group: "65534")
        #expect(published.ok, "\(published)")
        #expect(try MapReader.mapID(pod + "/mount/tracepoint_stats_map") == MapReader.mapID(try #require(owner.record?.mapPinPath) + "/tracepoint_stats_map"))
        let seen = try MapReader.read(pod + "/mount/tracepoint_stats_map", count: 2)
        #expect(seen.ok && (seen.values?[1] ?? 0) > (seen.values?[0] ?? 0), "\(seen)")
        #expect(try csi.unpublish("csi-counter", at: pod + "/mount").ok)
        #expect(!Mounts.current().entries.contains { $0.mountPoint.hasPrefix(pod) })
    }
}

extension Array {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

extension AgentClusterTests {
    @Test("two nodes on one kernel: a nodeSelector loads on one only; relabelling moves the program")
    func twoNodes() async throws {
        let (vethA, vethB) = (try VethPair(), try VethPair())
        let cluster = try await ClusterNode(node: "node-a", labels: ["role": "edge"], internalIP: vethA.hostIP)
        let b = try await cluster.addNode("node-b", internalIP: vethB.hostIP)
        let yaml = Self.object("XdpProgram", "edge-xdp", function: "xdp_stats", example: "xdp_counter",
                               nodeSelector: "{matchLabels: {role: edge}}", ["interfaceselector: {primarynodeinterface: true}", "priority: 20"])
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml).ok)
        try await cluster.waitFor("edge-xdp", node: "node-a", condition: "Loaded")
        try await cluster.waitFor("edge-xdp", node: "node-b", condition: "NotSelected")
        let (linkA, linkB) = (try Shell.sh("ip link show dev \(vethA.host)"), try Shell.sh("ip link show dev \(vethB.host)"))
        #expect(linkA.contains("xdp") && !linkB.contains("xdp"))
        #expect(try loaded(cluster).count == 1)
        let bList = try JSONDecoder.iso.decode([ProgramEntry].self, from: Data(try b.box.cli(["list", "--output", "json"]).stdout.utf8))
        #expect(bList.isEmpty)

        #expect(try await cluster.kubectl(["label", "node", "node-a", "role-"]).ok)
        #expect(try await cluster.kubectl(["label", "node", "node-b", "role=edge"]).ok)
        try await cluster.waitFor("edge-xdp", node: "node-b", condition: "Loaded")
        try await cluster.waitFor("edge-xdp", node: "node-a", condition: "NotSelected")
        #expect(try loaded(cluster).isEmpty, "node-a still has the program")
        let (afterA, afterB) = (try Shell.sh("ip link show dev \(vethA.host)"), try Shell.sh("ip link show dev \(vethB.host)"))
        #expect(!afterA.contains("xdp") && afterB.contains("xdp"))
        #expect(try await cluster.kubectl(["delete", "xdpprogram", "edge-xdp"]).ok)
    }

    @Test("faults: bpfman-rpc down while an object arrives, kubesim answering 500 and cutting watches — converges, no duplicate program; restarted, the agent unloads what a pass loaded for an owner deleted while it was down")
    func faults() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP)
        let node = cluster.nodes[0]
        try await cluster.waitForAgent()
        node.stopRPC()
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.tracepoint("tp-late")).ok)
        try await Task.sleep(for: .seconds(2))
        try node.startRPC()
        try await cluster.waitFor("tp-late", condition: "Loaded")
        #expect(try loaded(cluster).count == 1)

        // The API server fails writes for a while and drops every watch.
        let fault = #"{"method":"PUT","status":500,"count":15}"# // more than the client retries
        #expect(try await cluster.kubectl(["create", "--raw", "/kubesim/faults", "-f", "-"], stdin: fault).ok)
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.tracepoint("tp-storm")).ok)
        #expect(try await cluster.kubectl(["create", "--raw", "/kubesim/cut-watches", "-f", "-"], stdin: "{}").ok)
        try await cluster.waitFor("tp-storm", condition: "Loaded")
        try await cluster.waitFor("tp-late", condition: "Loaded")
        let names = try loaded(cluster).compactMap { $0.record?.metadata["bpfman.io/ProgramName"] }.sorted()
        #expect(names == ["tp-late", "tp-storm"], "one program per object: \(names)")
        #expect(try node.metric("controller_runtime_reconcile_errors_total") >= 1, "the injected 500s never reached the agent")
        #expect(node.stopAgent() == 0, "SIGTERM is a clean stop")

        // While the agent is down: what a pass that died between its load and its create leaves for an owner
        // deleted meanwhile, and a program someone loaded by hand under an owner's name (no bpfman.io/Owner).
        let kept = try #require(try loaded(cluster).first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp-late" }).kernel.id
        func load(_ metadata: [String]) throws -> UInt32 {
            try cluster.box.load(TestPaths.example("tracepoint_counter"), "tracepoint_openat", extra: metadata.flatMap { ["-m", $0] },
                                 ["tracepoint", "-t", "syscalls/sys_enter_openat"]).kernel.id
        }
        let orphan = try load(["bpfman.io/Owner=TracepointProgram/tp-gone", "bpfman.io/BpfProgram=tp-gone-0badc0de", "bpfman.io/ProgramName=tp-gone"])
        let byHand = try load(["bpfman.io/ProgramName=tp-late"])
        try node.startAgent()
        let ids = try await eventually(every: .milliseconds(300), { try loaded(cluster).map(\.kernel.id) }, until: { !$0.contains(orphan) })
        #expect(!ids.contains(orphan), "the orphan of an owner gone while the agent was down is still loaded")
        #expect(ids.contains(kept) && ids.contains(byHand), "the restart unloaded what it should not have: \(ids)")
        #expect(try await cluster.bpfPrograms(ownedBy: "tp-gone").isEmpty)
        #expect(try cluster.box.cli(["unload", "\(byHand)"]).ok)
        #expect(node.stopAgent() == 0)
    }

    @Test("idle: 60 s of resyncs make no bpfman load or unload and no API write; a program removed behind the agent's back comes back")
    func idle() async throws {
        let veth = try VethPair()
        let cluster = try await ClusterNode(internalIP: veth.hostIP, agentArguments: ["--resync-seconds", "5"])
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.tracepoint("tp-idle")).ok)
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.xdp("xdp-idle", iface: veth.host)).ok)
        try await cluster.waitFor("tp-idle", condition: "Loaded")
        try await cluster.waitFor("xdp-idle", condition: "Loaded")
        try await Task.sleep(for: .seconds(1))
        func calls() throws -> [Double] {
            [try cluster.metric("bpfman_agent_rpc_calls_total", "\"load\""), try cluster.metric("bpfman_agent_rpc_calls_total", "\"unload\""),
             try cluster.metric("bpfman_agent_api_writes_total"), try cluster.metric("controller_runtime_reconcile_total")]
        }
        let before = try calls()
        try await Task.sleep(for: .seconds(60))
        let after = try calls()
        print("idle 60 s: reconciles \(after[3] - before[3]), loads \(after[0] - before[0]), unloads \(after[1] - before[1]), writes \(after[2] - before[2])")
        #expect(after[3] - before[3] >= 20, "resyncs happened")
        #expect(Array(after.prefix(3)) == Array(before.prefix(3)), "an idle agent called bpfman or wrote to the API")

        // Someone unloads the tracepoint by hand: the next resync loads it again and annotates the new id.
        let old = try #require(try loaded(cluster).first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp-idle" })
        #expect(try cluster.box.cli(["unload", "\(old.kernel.id)"]).ok)
        let back = try await eventually(every: .milliseconds(500), { try loaded(cluster).first { $0.record?.metadata["bpfman.io/ProgramName"] == "tp-idle" } },
                                        until: { $0 != nil })
        let now = try #require(back, "the program did not come back")
        let bp = try #require(try await cluster.bpfPrograms(ownedBy: "tp-idle").first)
        let ann = ((bp["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["bpfman.io/ProgramId"]
        #expect(now.kernel.id != old.kernel.id && ann == "\(now.kernel.id)")
    }
}

extension AgentClusterTests {
    /// A "container": a process in the veth pair's namespace, and its Pod on node-a.
    static func container(_ cluster: ClusterNode, _ veth: VethPair, pod: String, namespace: String = "default",
                          labels: String) async throws -> (uid: String, pid: Int32, process: Process) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", veth.namespace, "sleep", "600"]
        // Its own output, and SIGKILL at the end: children of the test runner may ignore SIGTERM.
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var pid: Int32 = 0
        for _ in 0..<50 {
            let r = try Shell.run("/usr/bin/pgrep", ["-P", "\(p.processIdentifier)"])
            pid = Int32(r.stdout.split(separator: "\n").first ?? "") ?? 0
            // `ip netns exec` may exec sleep in place.
            if pid == 0, (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/comm", encoding: .utf8))?.hasPrefix("sleep") == true {
                pid = p.processIdentifier
            }
            if pid != 0 { break }
            usleep(100_000)
        }
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \(pod)\n  namespace: \(namespace)\n  labels: \(labels)\nspec:\n  nodeName: node-a\n  containers: [{name: nginx, image: nginx}]\n"
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml).ok)
        #expect(try await cluster.kubectl(["patch", "pod", pod, "-n", namespace, "--subresource=status", "--type=merge", "-p",
                                           #"{"status":{"phase":"Running"}}"#]).ok)
        let uid = try await cluster.kubectl(["get", "pod", pod, "-n", namespace, "-o", "jsonpath={.metadata.uid}"]).stdout
        return (uid, pid, p)
    }

    @Test("containers: XDP, TC and a uprobe attach inside the selected container and count there; Ns kinds and BpfNsApplication see their namespace only; none selected → NoContainersOnNode; the pod goes → the BpfProgram goes")
    func containers() async throws {
        let veth = try VethPair()
        let criSocket = NSTemporaryDirectory() + "cri-\(UUID().uuidString.prefix(6)).sock"
        let cri = try await FakeCRI(socketPath: criSocket)
        defer { cri.stop() }
        let cluster = try await ClusterNode(internalIP: veth.hostIP, agentArguments: ["--cri-socket", criSocket])
        let web = try await Self.container(cluster, veth, pod: "web-1", labels: "{app: web}")
        defer { kill(web.pid, SIGKILL); kill(web.process.processIdentifier, SIGKILL) }
        #expect(web.pid > 0)
        cri.set([.init(podUID: web.uid, podName: "web-1", namespace: "default", container: "nginx", pid: web.pid)])

        let inPods = ["interfaceselector: {interfaces: [\(veth.peer)]}", "containers: {pods: {matchLabels: {app: web}}}"]
        for yaml in [
            Self.object("XdpProgram", "xdp-web", function: "xdp_stats", example: "xdp_counter", inPods + ["priority: 10"]),
            Self.object("TcProgram", "tc-web", function: "stats", example: "tc_counter", inPods + ["priority: 10", "direction: ingress"]),
            Self.object("XdpProgram", "xdp-db", function: "xdp_stats", example: "xdp_counter",
                        ["interfaceselector: {interfaces: [\(veth.peer)]}", "containers: {pods: {matchLabels: {app: db}}}", "priority: 10"]),
        ] {
            let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        let xdp = try await cluster.waitFor("xdp-web", condition: "Loaded")
        try await cluster.waitFor("tc-web", condition: "Loaded")
        let none = try await cluster.waitFor("xdp-db", condition: "NoContainersOnNode")
        let key = ((xdp[0]["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["bpfman.io/bpfProgramAttachPoint"]
        #expect(key == "\(veth.peer)-web-1-nginx")
        #expect(((none[0]["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["bpfman.io/bpfProgramAttachPoint"]
                == "\(veth.peer)-no-containers-on-node")
        let programs = try loaded(cluster)
        #expect(programs.count == 2)
        for p in programs { #expect(p.record?.attach.netns == "/proc/\(web.pid)/ns/net", "\(String(describing: p.record?.attach))") }
        let xdpProgram = try #require(programs.first { $0.record?.kind == .xdp })
        let before = try cluster.box.counter(xdpProgram, map: "xdp_stats_map", key: 0)
        try veth.sendToPeer(10)
        #expect(try cluster.box.counter(xdpProgram, map: "xdp_stats_map", key: 0) - before >= 10, "packets into the container were not counted")

        // A uprobe in the container: bpfman finds the target through the container's root.
        let target = TestPaths.testdata("uprobe_target")
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.object("UprobeProgram", "up-web", function: "uprobe_counter",
            example: "uprobe_counter", ["target: \(target)", "func_name: bpfman_test_fn", "containers: {pods: {matchLabels: {app: web}}}"])).ok)
        try await cluster.waitFor("up-web", condition: "Loaded")
        let up = try #require(try loaded(cluster).first { $0.record?.kind == .uprobe })
        guard case .uprobe(let u) = up.record?.attach else { Issue.record("not a uprobe"); return }
        #expect(u.containerPid == web.pid && u.target == target)
        _ = try Shell.run("/usr/bin/nsenter", ["-t", "\(web.pid)", "-m", target, "4"])
        #expect(try cluster.box.counter(up, map: "uprobe_stats_map", key: 0) >= 4)
        #expect(try await cluster.kubectl(["delete", "uprobeprogram", "up-web"]).ok)

        // Namespaced kinds see the pods of their own namespace only, and write BpfNsPrograms there. A second
        // "pod" in namespace other has the same interface name inside (as every pod has its eth0).
        let veth2 = try VethPair(peer: veth.peer)
        for ns in ["other", "third"] { #expect(try await cluster.kubectl(["create", "namespace", ns]).ok) }
        let web2 = try await Self.container(cluster, veth2, pod: "web-2", namespace: "other", labels: "{app: web}")
        defer { kill(web2.pid, SIGKILL); kill(web2.process.processIdentifier, SIGKILL) }
        cri.set([.init(podUID: web.uid, podName: "web-1", namespace: "default", container: "nginx", pid: web.pid),
                 .init(podUID: web2.uid, podName: "web-2", namespace: "other", container: "nginx", pid: web2.pid)])
        func namespaced(_ kind: String, _ name: String, _ ns: String, _ body: [String]) -> String {
            (["apiVersion: bpfman.io/v1alpha1", "kind: \(kind)", "metadata:", "  name: \(name)", "  namespace: \(ns)", "spec:",
              "  nodeselector: {}", "  bytecode:"] + body).joined(separator: "\n")
        }
        let inWeb = "interfaceselector: {interfaces: [\(veth.peer)]}, containers: {pods: {matchLabels: {app: web}}}"
        for ns in ["other", "third"] {
            let yaml = namespaced("XdpNsProgram", "xdp-ns", ns, ["    path: \(TestPaths.example("xdp_counter"))", "  bpffunctionname: xdp_stats",
                                                                 "  interfaceselector: {interfaces: [\(veth.peer)]}",
                                                                 "  containers: {pods: {matchLabels: {app: web}}}", "  priority: 10"])
            let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.ok, "\(r.stderr)")
        }
        let app = namespaced("BpfNsApplication", "ns-app", "other", ["    path: \(TestPaths.example("tcx_counter"))", "  programs:",
                                                                     "  - type: TCX", "    tcx: {bpffunctionname: tcx_stats, \(inWeb), priority: 5, direction: ingress}"])
        let r = try await cluster.kubectl(["apply", "-f", "-"], stdin: app)
        #expect(r.ok, "\(r.stderr)")
        func byNamespace(_ owner: String) async throws -> [String] {
            try await cluster.bpfPrograms(ownedBy: owner, resource: "bpfnsprograms").map { bp in
                "\((bp["metadata"] as? [String: Any])?["namespace"] as? String ?? "?")=\(ClusterNode.condition(bp)?.type ?? "-")"
            }.sorted()
        }
        let seen = try await eventually(within: .seconds(60), { [try await byNamespace("xdp-ns"), try await byNamespace("ns-app")] },
                                        until: { $0 == [["other=Loaded", "third=NoContainersOnNode"], ["other=Loaded"]] })
        #expect(seen == [["other=Loaded", "third=NoContainersOnNode"], ["other=Loaded"]], "\(cluster.log.suffix(2000))")
        let inOther = try loaded(cluster).filter { $0.record?.metadata["bpfman.io/ProgramName"] != "xdp-web" && $0.record?.metadata["bpfman.io/ProgramName"] != "tc-web" }
        #expect(inOther.count == 2 && inOther.allSatisfy { $0.record?.attach.netns == "/proc/\(web2.pid)/ns/net" },
                "\(inOther.map { String(describing: $0.record?.attach) })")
        let xdpNs = try #require(inOther.first { $0.record?.kind == .xdp })
        let before2 = try cluster.box.counter(xdpNs, map: "xdp_stats_map", key: 0)
        try veth2.sendToPeer(10)
        #expect(try cluster.box.counter(xdpNs, map: "xdp_stats_map", key: 0) - before2 >= 10, "packets into web-2 were not counted")
        for (kind, name, ns) in [("xdpnsprogram", "xdp-ns", "other"), ("xdpnsprogram", "xdp-ns", "third"), ("bpfnsapplication", "ns-app", "other")] {
            #expect(try await cluster.kubectl(["delete", kind, name, "-n", ns]).ok)
        }
        let cleared = Date().addingTimeInterval(30)
        while Date() < cleared, try await !(byNamespace("xdp-ns") + byNamespace("ns-app")).isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        #expect(try await (byNamespace("xdp-ns") + byNamespace("ns-app")).isEmpty)
        #expect(try loaded(cluster).count == 2, "xdp-web and tc-web stay")

        cri.set([])
        #expect(try await cluster.kubectl(["delete", "pod", "web-1"]).ok)
        try await cluster.waitFor("xdp-web", condition: "NoContainersOnNode")
        try await cluster.waitFor("tc-web", condition: "NoContainersOnNode")
        #expect(try loaded(cluster).isEmpty)
    }
}
