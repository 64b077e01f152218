@testable import BpfmanAgent
import BpfmanAPI
import BpfmanModel
import Foundation
import KubeClient
import Testing

/// The agent's pure decisions: attach points, BpfProgram objects, and what
/// to ask bpfman, against upstream's names (operator spec §3.3–§3.7).
@Suite("agent decisions")
struct AgentDecisionTests {
    func info<T: Decodable>(_ type: T.Type, _ json: String) throws -> T { try JSONDecoder().decode(T.self, from: Data(json.utf8)) }

    @Test func reconcilerNamesAreUpstreams() {
        #expect(AllKinds.user.count == 14)
        #expect(XdpKind.reconciler.finalizer == "bpfman.io.xdpprogramcontroller/finalizer")
        #expect(TcxNsKind.reconciler.finalizer == "bpfman.io.tcxnsprogramcontroller/finalizer")
        #expect(BpfApplicationKind.reconciler.finalizer == "bpfman.io.bpfapplicationcontroller/finalizer")
        #expect(BpfNsApplicationKind.reconciler.finalizer == "bpfman.io.bpfnsapplicationcontroller/finalizer")
        #expect(UprobeNsKind.reconciler.typeString == "uprobe" && BpfNsApplicationKind.reconciler.typeString == "application")
        #expect(TcKind.reconciler.annotation("interface") == "bpfman.io.tcprogramcontroller/interface")
        #expect(AllKinds.user.filter { $0.reconciler.isNamespaced }.count == 5)
    }

    @Test("every kind's names derive from its one declaration: short name, BpfProgram type, upstream's controller name")
    func everyKindDerived() {
        // (kind, short name, spec.type, controller) as upstream writes them (operator spec §3.4, §4.4).
        let expected: [(String, String, String, String)] = [
            ("XdpProgram", "xdp", "xdp", "xdpprogramcontroller"), ("TcProgram", "tc", "tc", "tcprogramcontroller"),
            ("TcxProgram", "tcx", "tcx", "tcxprogramcontroller"), ("TracepointProgram", "tracepoint", "tracepoint", "tracepointprogramcontroller"),
            ("KprobeProgram", "kprobe", "kprobe", "kprobeprogramcontroller"), ("UprobeProgram", "uprobe", "uprobe", "uprobeprogramcontroller"),
            ("FentryProgram", "fentry", "fentry", "fentryprogramcontroller"), ("FexitProgram", "fexit", "fexit", "fexitprogramcontroller"),
            ("XdpNsProgram", "xdpNs", "xdp", "xdpnsprogramcontroller"), ("TcNsProgram", "tcNs", "tc", "tcnsprogramcontroller"),
            ("TcxNsProgram", "tcxNs", "tcx", "tcxnsprogramcontroller"), ("UprobeNsProgram", "uprobeNs", "uprobe", "uprobensprogramcontroller"),
            ("BpfApplication", "application", "application", "bpfapplicationcontroller"),
            ("BpfNsApplication", "nsApplication", "application", "bpfnsapplicationcontroller"),
        ]
        let got = AllKinds.user.map { k in (k.resource.kind, k.reconciler.rawValue, k.reconciler.typeString, k.reconciler.controllerName) }
        #expect(got.map { "\($0)" } == expected.map { "\($0)" })
        #expect(AllKinds.kinds.count == 16 && Set(AllKinds.kinds.map { $0.resource.plural }).count == 16)
        // Containers are watched for the kinds that can select them, and only those.
        func selects<K: ProgramObjectKind>(_: K.Type) -> Bool { K.Info.selectsContainers }
        #expect(AllKinds.programs.filter { selects($0) }.map { $0.reconciler.rawValue }
                == ["xdp", "tc", "tcx", "uprobe", "xdpNs", "tcNs", "tcxNs", "uprobeNs"])
    }

    @Test("the agent can place every program kind's info and read every application's items (else it refuses to start)")
    func everyKindAgentReady() {
        func placeable<K: ProgramObjectKind>(_: K.Type) -> Bool { K.Info.self is any AttachPointSource.Type }
        func readable<A: ApplicationObjectKind>(_: A.Type) -> Bool { A.Item.self is any ApplicationItem.Type }
        for k in AllKinds.programs {
            let ok = placeable(k)
            #expect(ok, "\(k.resource.kind)")
        }
        for k in AllKinds.applications {
            let ok = readable(k)
            #expect(ok, "\(k.resource.kind)")
        }
        // An application entry stands for the program kind of its type and scope.
        for type in EBPFProgType.allCases {
            #expect(AllKinds.program(for: type, namespaced: false) != nil, "\(type)")
        }
        #expect(AllKinds.program(for: .kretprobe, namespaced: false) == KprobeKind.reconciler)
        #expect(AllKinds.program(for: .uretprobe, namespaced: true) == UprobeNsKind.reconciler)
        #expect(AllKinds.program(for: .fexit, namespaced: false) == FexitKind.reconciler)
        #expect(AllKinds.program(for: .kprobe, namespaced: true) == nil)
    }

    @Test func sanitizeAsUpstream() {
        #expect(AttachPointName.sanitize("syscalls/sys_enter_openat") == "syscalls-sys-enter-openat")
        #expect(AttachPointName.sanitize("try_to_wake_up") == "try-to-wake-up")
        #expect(AttachPointName.sanitize("/usr/lib/Libfoo_x.so") == "usr-lib-libfoo-x.so")
    }

    @Test func networkAttachPoints() throws {
        let xdp = try info(XdpProgramInfo.self, #"{"bpffunctionname":"pass","interfaceselector":{"interfaces":["eth0","eth1"]},"priority":5}"#)
        let plain = AttachPointPlanner(kind: XdpKind.reconciler).xdp(xdp, interfaces: ["eth0", "eth1"], containers: .none)
        #expect(plain.map(\.key) == ["eth0", "eth1"])
        #expect(plain[0].annotations == ["bpfman.io/bpfProgramAttachPoint": "eth0", "bpfman.io.xdpprogramcontroller/interface": "eth0"])
        #expect(plain[0].attach == .xdp(.init(iface: "eth0", priority: 5, proceedOn: [.pass, .dispatcherReturn])))

        let planner = AttachPointPlanner(kind: XdpKind.reconciler, procRoot: "/host/proc")
        let inPods = planner.xdp(xdp, interfaces: ["eth0"], containers: .selected([ContainerTarget(pod: "web-1", container: "nginx", pid: 4242)]))
        #expect(inPods.map(\.key) == ["eth0-web-1-nginx"])
        #expect(inPods[0].annotations["bpfman.io.xdpprogramcontroller/containerpid"] == "4242")
        #expect(inPods[0].attach == .xdp(.init(iface: "eth0", priority: 5, proceedOn: [.pass, .dispatcherReturn], netns: "/host/proc/4242/ns/net")))

        // Containers sharing a network namespace (one pod's, host-network pods') share its interfaces: one point for them.
        let shared = planner.xdp(xdp, interfaces: ["eth0"], containers: .selected([
            ContainerTarget(pod: "daemon", container: "bpfman", pid: 10, netnsInode: 4026531840),
            ContainerTarget(pod: "daemon", container: "bpfman-agent", pid: 11, netnsInode: 4026531840),
            ContainerTarget(pod: "web-1", container: "nginx", pid: 12, netnsInode: 4026532001),
            ContainerTarget(pod: "web-2", container: "nginx", pid: 13)]))
        #expect(shared.map(\.key) == ["eth0-daemon-bpfman", "eth0-web-1-nginx", "eth0-web-2-nginx"])

        let nobody = planner.xdp(xdp, interfaces: ["eth0"], containers: .selected([]))
        #expect(nobody.map(\.key) == ["eth0-no-containers-on-node"] && nobody[0].noTargets)
        #expect(nobody[0].annotations["bpfman.io.xdpprogramcontroller/nocontainersonnode"] == "true")

        let tc = try info(TcProgramInfo.self,
                          #"{"bpffunctionname":"s","interfaceselector":{"interfaces":["eth0"]},"priority":7,"direction":"egress","proceedon":["ok","shot"]}"#)
        let t = AttachPointPlanner(kind: TcKind.reconciler).tc(tc, interfaces: ["eth0"], containers: .none)
        #expect(t.map(\.key) == ["eth0-egress"])
        #expect(t[0].attach == .tc(.init(iface: "eth0", priority: 7, direction: .egress, proceedOn: [.ok, .shot])))
    }

    @Test func probeAttachPoints() throws {
        let tp = try info(TracepointProgramInfo.self, #"{"bpffunctionname":"f","names":["syscalls/sys_enter_openat","sched/sched_switch"]}"#)
        let points = AttachPointPlanner(kind: TracepointKind.reconciler).tracepoint(tp)
        #expect(points.map(\.key) == ["syscalls-sys-enter-openat", "sched-sched-switch"])
        #expect(points[1].annotations["bpfman.io.tracepointprogramcontroller/tracepoint"] == "sched/sched_switch")
        let up = try info(UprobeProgramInfo.self, #"{"bpffunctionname":"u","target":"libc","func_name":"malloc","pid":12}"#)
        let u = AttachPointPlanner(kind: UprobeKind.reconciler).uprobe(up, containers: .none)
        #expect(u.map(\.key) == ["libc-malloc"])
        // Upstream never sends the pid; the object asked for it, so it is sent.
        #expect(u[0].attach == .uprobe(.init(fnName: "malloc", target: "libc", pid: 12)))
        let k = try info(KprobeProgramInfo.self, #"{"bpffunctionname":"k","func_name":"try_to_wake_up","retprobe":true}"#)
        #expect(AttachPointPlanner(kind: KprobeKind.reconciler).kprobe(k).map(\.key) == ["try-to-wake-up"])
    }

    func request(_ attach: AttachInfo, globals: [String: [UInt8]] = [:]) -> LoadRequest {
        LoadRequest(bytecode: .image(url: "quay.io/x/y:v1", pullPolicy: .ifNotPresent, digest: nil), name: "f", attach: attach,
                    globalData: globals, metadata: ["bpfman.io/uuid": "u1", "bpfman.io/ProgramName": "p"])
    }

    @Test func reloadComparesEverythingThatShapesTheProgram() {
        let base = request(.tc(.init(iface: "eth0", priority: 5, direction: .ingress)))
        #expect(LoadDifference.between(loaded: base, desired: base) == .none)
        #expect(LoadDifference.between(loaded: base, desired: request(.tc(.init(iface: "eth0", priority: 9, direction: .ingress, proceedOn: [.ok]))))
                == .placement(priority: 9, proceedOn: .tc([.ok])))
        // TC's values, not XDP's, for names both hooks have.
        #expect(LoadDifference.between(loaded: base, desired: request(.tc(.init(iface: "eth0", priority: 5, direction: .ingress,
                                                                               proceedOn: [.redirect, .dispatcherReturn]))))
                == .placement(priority: 5, proceedOn: .tc([.redirect, .dispatcherReturn])))
        // Upstream misses these three (operator spec §3.7).
        #expect(LoadDifference.between(loaded: base, desired: request(.tc(.init(iface: "eth0", priority: 5, direction: .egress)))) == .reload("TC attach point"))
        #expect(LoadDifference.between(loaded: base, desired: request(.tc(.init(iface: "eth0", priority: 5, direction: .ingress, netns: "/host/proc/1/ns/net"))))
                == .reload("TC attach point"))
        #expect(LoadDifference.between(loaded: base, desired: request(base.attach, globals: ["x": [1]])) == .reload("global data"))
        let tcx = request(.tcx(.init(iface: "eth0", priority: 5, direction: .ingress)))
        #expect(LoadDifference.between(loaded: tcx, desired: request(.tcx(.init(iface: "eth0", priority: 6, direction: .ingress))))
                == .placement(priority: 6, proceedOn: nil))
        #expect(LoadDifference.between(loaded: tcx, desired: request(.tcx(.init(iface: "eth1", priority: 5, direction: .ingress)))) == .reload("TCX attach point"))
    }

    @Test func decisionTable() {
        let want = request(.xdp(.init(iface: "eth0", priority: 5)))
        let moved = request(.xdp(.init(iface: "eth0", priority: 8)))
        let other = request(.xdp(.init(iface: "eth1", priority: 5)))
        let notSelected = NodeDecision.NotLoading(.notSelected)
        #expect(NodeDecision.decide(loaded: nil, desired: .success(want)) == NodeDecision(calls: [.load(want)], condition: .loaded))
        #expect(NodeDecision.decide(loaded: nil, desired: .failure(notSelected)) == NodeDecision(calls: [], condition: .notSelected))
        #expect(NodeDecision.decide(loaded: (7, want), desired: .failure(notSelected)) == NodeDecision(calls: [.unload(id: 7)], condition: .notSelected))
        // No change, no call: an idle pass costs bpfman nothing.
        #expect(NodeDecision.decide(loaded: (7, want), desired: .success(want)) == NodeDecision(calls: [], condition: .loaded))
        #expect(NodeDecision.decide(loaded: (7, want), desired: .success(moved)).calls == [.update(id: 7, priority: 8, proceedOn: .xdp([]))])
        #expect(NodeDecision.decide(loaded: (7, want), desired: .success(other)).calls == [.unload(id: 7), .load(other)])
        #expect(NodeDecision.failureCondition(.unload(id: 7)) == .notUnloaded && NodeDecision.failureCondition(.load(want)) == .notLoaded)

        #expect(NodeDecision.reasonNotToLoad(nodeSelected: false, noTargets: true, mapOwner: .notFound) == .notSelected)
        #expect(NodeDecision.reasonNotToLoad(nodeSelected: true, noTargets: true, mapOwner: .notFound) == .noContainersOnNode)
        #expect(NodeDecision.reasonNotToLoad(nodeSelected: true, noTargets: false, mapOwner: .notFound) == .mapOwnerNotFound)
        #expect(NodeDecision.reasonNotToLoad(nodeSelected: true, noTargets: false, mapOwner: .notLoaded) == .mapOwnerNotLoaded)
        #expect(NodeDecision.reasonNotToLoad(nodeSelected: true, noTargets: false, mapOwner: .loaded(id: 3)) == nil)
        #expect(NodeDecision.reasonNotToLoad(nodeSelected: true, noTargets: false, mapOwner: .notSet) == nil)
    }

    @Test func bpfProgramObjects() throws {
        let owner = OwnerReference(apiVersion: "bpfman.io/v1alpha1", kind: "XdpProgram", name: "xdp-pass", uid: "abc")
        let template = BpfProgramTemplate(kind: XdpKind.reconciler, node: "node-a", owner: owner)
        let point = AttachPointPlanner(kind: XdpKind.reconciler).point("eth0", [XdpKind.reconciler.annotation("interface"): "eth0"], nil)
        let obj = template.object(for: point)
        #expect(obj.metadata.name?.range(of: #"^xdp-pass-[0-9a-f]{8}$"#, options: .regularExpression) != nil, "\(obj.metadata.name ?? "")")
        #expect(obj.metadata.labels == ["bpfman.io/ownedByProgram": "xdp-pass", "bpfman.io/appProgramId": "", "kubernetes.io/hostname": "node-a"])
        #expect(obj.metadata.finalizers == ["bpfman.io.xdpprogramcontroller/finalizer"])
        #expect(obj.metadata.ownerReferences?.first?.controller == true && obj.metadata.ownerReferences?.first?.blockOwnerDeletion == true)
        #expect(obj.metadata.annotations?["bpfman.io/bpfProgramAttachPoint"] == "eth0")
        #expect(obj.spec.type == "xdp" && obj.status?.conditions == [])
        // The name is known before the object exists: the same for the same attach point, owner and node, another otherwise.
        #expect(template.object(for: point).metadata.name == obj.metadata.name)
        let eth1 = AttachPointPlanner(kind: XdpKind.reconciler).point("eth1", [XdpKind.reconciler.annotation("interface"): "eth1"], nil)
        var elsewhere = template
        elsewhere.node = "node-b"
        var recreated = template
        recreated.owner.uid = "abd"
        let names = [obj, template.object(for: eth1), elsewhere.object(for: point), recreated.object(for: point)].compactMap(\.metadata.name)
        #expect(Set(names).count == 4, "\(names)")

        let app = BpfProgramTemplate(kind: BpfNsApplicationKind.reconciler, node: "n", owner: owner, appProgramID: "xdp-pass", baseName: "app-xdp", namespace: "ns1")
        let appObj = app.object(for: point)
        #expect(appObj.metadata.namespace == "ns1" && appObj.metadata.name?.hasPrefix("app-xdp-") == true)
        #expect(appObj.metadata.labels?["bpfman.io/appProgramId"] == "xdp-pass" && appObj.spec.type == "application")
    }
}

@Suite("image pull secrets")
struct RegistryCredentialsTests {
    func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    @Test func registryOfAnImage() {
        #expect(RegistryCredentials.registry(of: "quay.io/bpfman-bytecode/xdp_pass:latest") == "quay.io")
        #expect(RegistryCredentials.registry(of: "localhost:5000/x:v1") == "localhost:5000")
        #expect(RegistryCredentials.registry(of: "docker.io/library/x") == "https://index.docker.io/v1/")
        #expect(RegistryCredentials.registry(of: "bpfman/x") == "https://index.docker.io/v1/")
    }

    @Test func bothSecretTypesAndBothEntryForms() throws {
        let json = #"{"auths":{"quay.io":{"username":"u","password":"p"},"localhost:5000":{"auth":"\#(b64("me:se:cret").replacingOccurrences(of: "=", with: ""))"}}}"#
        let data = [".dockerconfigjson": b64(json)]
        #expect(try RegistryCredentials.from(type: "kubernetes.io/dockerconfigjson", data: data, image: "quay.io/a/b:1")
                == .init(username: "u", password: "p"))
        // Unpadded base64 auth, and a password with a colon in it.
        #expect(try RegistryCredentials.from(type: "kubernetes.io/dockerconfigjson", data: data, image: "localhost:5000/a:1")
                == .init(username: "me", password: "se:cret"))
        #expect(try RegistryCredentials.from(type: "kubernetes.io/dockerconfigjson", data: data, image: "ghcr.io/a:1") == .none)
        let cfg = [".dockercfg": b64(#"{"https://index.docker.io/v1/":{"username":"hub","password":"pw"}}"#)]
        #expect(try RegistryCredentials.from(type: "kubernetes.io/dockercfg", data: cfg, image: "bpfman/x:1") == .init(username: "hub", password: "pw"))
        #expect(throws: (any Error).self) { try RegistryCredentials.from(type: "Opaque", data: [:], image: "x") }
        #expect(throws: (any Error).self) { try RegistryCredentials.from(type: "kubernetes.io/dockercfg", data: [".dockercfg": "!!"], image: "x") }
    }
}
