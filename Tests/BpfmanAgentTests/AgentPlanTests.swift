@testable import BpfmanAgent
import BpfmanAPI
import BpfmanModel
import Foundation
import KubeClient
import Testing

/// The agent's pass as a pure plan, row by row of operator spec §3.3 (the
/// decision table and its priority list), §3.7 (what differs) and §3.8 (map
/// owners), with the failure paths: what is created, asked of bpfman,
/// written and retired for each BpfProgram.
@Suite("agent plan")
struct AgentPlanTests {
    static let finalizer = XdpKind.reconciler.finalizer
    static let template = BpfProgramTemplate(kind: XdpKind.reconciler, node: "node-a",
                                             owner: OwnerReference(apiVersion: "bpfman.io/v1alpha1", kind: "XdpProgram", name: "web", uid: "owner-uid"))

    static func point(_ iface: String, priority: Int32 = 5, container: Bool = true) -> AttachPoint {
        AttachPoint(key: iface, annotations: [AttachPoint.annotationKey: iface],
                    attach: container ? .xdp(.init(iface: iface, priority: priority, proceedOn: [.pass, .dispatcherReturn])) : nil)
    }

    static func unit(_ points: [AttachPoint], function: String = "pass", mapOwner: LabelSelector? = nil,
                     selectionFailure: String? = nil, template: BpfProgramTemplate = template) -> AgentUnit {
        AgentUnit(template: template, function: function, mapOwner: mapOwner, points: points, selectionFailure: selectionFailure)
    }

    static func common(selected: Bool = true) -> AppCommon {
        AppCommon(nodeselector: LabelSelector(matchLabels: selected ? ["role": "edge"] : ["role": "core"]), bytecode: BytecodeSelector(path: "/b/x.o"))
    }

    /// A BpfProgram this owner already has for `point`, with its condition.
    static func existing(_ point: AttachPoint, uid: String, _ condition: BpfProgramConditionType? = nil, id: UInt32? = nil,
                         template: BpfProgramTemplate = template) -> BpfProgram {
        var bp = template.object(for: point)
        bp.metadata.uid = uid
        if let id { bp.metadata.annotations?[BpfProgramLabels.programIDAnnotation] = "\(id)" }
        if let condition {
            bp.status = ProgramStatus(conditions: [Condition(type: condition.rawValue, reason: condition.reason, message: condition.message,
                                                             lastTransitionTime: "t0")])
        }
        return bp
    }

    /// The name of the BpfProgram for `point` (known before it exists).
    static func name(_ point: AttachPoint, template: BpfProgramTemplate = template) -> String { template.name(for: point) }

    /// What the planner asks bpfman to load for `point`: its BpfProgram's name goes with it.
    static func request(_ point: AttachPoint, template: BpfProgramTemplate = template, function: String = "pass",
                        mapOwnerID: UInt32? = nil) -> LoadRequest {
        LoadRequest(bytecode: .file(path: "/b/x.o"), name: function, attach: point.attach!,
                    metadata: [MetadataKey.bpfProgram: name(point, template: template), MetadataKey.programName: template.owner.name,
                               MetadataKey.owner: template.ownerIdentity],
                    mapOwnerID: mapOwnerID)
    }

    static func plan(_ units: [AgentUnit], common: AppCommon? = common(), owned: [BpfProgram] = [], nodePrograms: [BpfProgram]? = nil,
                     loaded: AgentPlanner.Loaded = [:], credentialsError: String? = nil) -> AgentPlan {
        AgentPlanner.plan(.init(units: units, common: common, nodeLabels: ["role": "edge"], owned: owned,
                                nodePrograms: nodePrograms ?? owned, loaded: loaded, credentialsError: credentialsError, finalizer: finalizer,
                                identity: template.ownerIdentity))
    }

    /// The actions of each step, in order.
    static func actions(_ plan: AgentPlan) -> [[AgentAction]] { plan.steps.map(\.actions) }

    let eth0 = point("eth0")

    // MARK: §3.3 decision table: is loaded × should be loaded

    @Test("not loaded, should be: each attach point's BpfProgram is created and its program loaded")
    func freshLoad() {
        let p = Self.plan([Self.unit([eth0, Self.point("eth1")])])
        #expect(Self.actions(p) == [
            [.call(.load(Self.request(eth0))), .setProgramID, .create, .setCondition(.loaded, cause: nil)],
            [.call(.load(Self.request(Self.point("eth1")))), .setProgramID, .create, .setCondition(.loaded, cause: nil)],
        ])
        #expect(!p.retry && p.notes.isEmpty)
        #expect(p.steps[0].program.metadata.finalizers == [Self.finalizer])
    }

    @Test("loaded under the name of a BpfProgram not created yet (a pass ended between load and create): no second load, created with the id")
    func loadedBeforeCreate() {
        let p = Self.plan([Self.unit([eth0])], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(Self.actions(p) == [[.setProgramID, .create, .setCondition(.loaded, cause: nil)]])
        #expect(p.steps[0].loadedID == 7 && p.steps[0].program.metadata.name == Self.name(eth0))
        // Loaded with another function meanwhile: unloaded and loaded again before the create.
        let q = Self.plan([Self.unit([eth0], function: "drop")], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(Self.actions(q) == [[.call(.unload(id: 7)), .call(.load(Self.request(eth0, function: "drop"))), .setProgramID, .create,
                                      .setCondition(.loaded, cause: nil)]])
    }

    @Test("loaded and as it should be: no call, and the writes are ones the executor finds already made")
    func unchanged() {
        let bp = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let p = Self.plan([Self.unit([eth0])], owned: [bp], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(Self.actions(p) == [[.setProgramID, .setCondition(.loaded, cause: nil)]])
        #expect(p.steps[0].loadedID == 7)
    }

    @Test("loaded with another priority: moved in place; with another function: unloaded and loaded again (§3.7)")
    func differs() {
        let bp = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let moved = Self.plan([Self.unit([Self.point("eth0", priority: 9)])], owned: [bp], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(Self.actions(moved) == [[.call(.update(id: 7, priority: 9, proceedOn: .xdp([.pass, .dispatcherReturn]))), .setProgramID, .setCondition(.loaded, cause: nil)]])
        let other = Self.plan([Self.unit([eth0], function: "drop")], owned: [bp], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(Self.actions(other) == [[.call(.unload(id: 7)), .call(.load(Self.request(eth0, function: "drop"))),
                                          .setProgramID, .setCondition(.loaded, cause: nil)]])
    }

    @Test("loaded, should not be (node no longer selected): unloaded, NotSelected; not loaded: only the condition")
    func notSelected() {
        let bp = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let p = Self.plan([Self.unit([eth0])], common: Self.common(selected: false), owned: [bp], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(Self.actions(p) == [[.call(.unload(id: 7)), .setProgramID, .setCondition(.notSelected, cause: nil)]])
        // Upstream creates BpfPrograms on nodes that are not selected too; they say NotSelected.
        let fresh = Self.plan([Self.unit([eth0])], common: Self.common(selected: false))
        #expect(Self.actions(fresh) == [[.setProgramID, .create, .setCondition(.notSelected, cause: nil)]])
        #expect(!fresh.retry)
    }

    @Test("the priority list: not selected before no containers before map owner not found")
    func priorities() {
        let nobody = Self.point("eth0", container: false)
        let owner = LabelSelector(matchLabels: ["bpfman.io/ownedByProgram": "stats"])
        #expect(Self.actions(Self.plan([Self.unit([nobody], mapOwner: owner)], common: Self.common(selected: false)))
                == [[.setProgramID, .create, .setCondition(.notSelected, cause: nil)]])
        #expect(Self.actions(Self.plan([Self.unit([nobody], mapOwner: owner)]))
                == [[.setProgramID, .create, .setCondition(.noContainersOnNode, cause: nil)]])
        let p = Self.plan([Self.unit([eth0], mapOwner: owner)])
        #expect(Self.actions(p) == [[.setProgramID, .create, .setCondition(.mapOwnerNotFound, cause: nil)]])
        #expect(p.retry, "a map owner may appear later")
    }

    // MARK: §3.8 map owners

    @Test("map owner found but not Loaded: MapOwnerNotLoaded and retry; Loaded: its kernel id goes with the load")
    func mapOwner() {
        let selector = LabelSelector(matchLabels: ["bpfman.io/ownedByProgram": "stats"])
        let statsTemplate = BpfProgramTemplate(kind: XdpKind.reconciler, node: "node-a",
                                               owner: OwnerReference(apiVersion: "bpfman.io/v1alpha1", kind: "XdpProgram", name: "stats", uid: "s"))
        let pending = Self.existing(eth0, uid: "s1", .notLoaded, template: statsTemplate)
        let p = Self.plan([Self.unit([eth0], mapOwner: selector)], nodePrograms: [pending])
        #expect(Self.actions(p) == [[.setProgramID, .create, .setCondition(.mapOwnerNotLoaded, cause: nil)]])
        #expect(p.retry)
        let ready = Self.existing(eth0, uid: "s1", .loaded, id: 40, template: statsTemplate)
        let statsRequest = Self.request(eth0, template: statsTemplate)
        let q = Self.plan([Self.unit([eth0], mapOwner: selector)], nodePrograms: [ready], loaded: [statsTemplate.name(for: eth0): (40, statsRequest)])
        #expect(Self.actions(q) == [[.call(.load(Self.request(eth0, mapOwnerID: 40))), .setProgramID, .create, .setCondition(.loaded, cause: nil)]])
        #expect(!q.retry)
        // Loaded by its condition but not in bpfman (restarted): not loaded.
        #expect(Self.actions(Self.plan([Self.unit([eth0], mapOwner: selector)], nodePrograms: [ready]))
                == [[.setProgramID, .create, .setCondition(.mapOwnerNotLoaded, cause: nil)]])
    }

    @Test("a map owner selector matching two BpfPrograms: nothing of the unit is touched, noted, retried")
    func mapOwnerAmbiguous() {
        let selector = LabelSelector(matchLabels: ["role": "maps"])
        var a = Self.existing(eth0, uid: "a"), b = Self.existing(eth0, uid: "b")
        a.metadata.labels?["role"] = "maps"; b.metadata.labels?["role"] = "maps"
        let mine = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let p = Self.plan([Self.unit([eth0], mapOwner: selector)], owned: [mine], nodePrograms: [a, b, mine],
                          loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(p.steps.isEmpty, "the loaded program stays, and is not retired as stale")
        #expect(p.retry)
        #expect(p.notes == [.init(message: "map owner", owner: "web", error: "mapownerselector matches 2 BpfPrograms on this node; it must match one")])
    }

    // MARK: failure paths

    @Test("a pull secret that cannot be used: BytecodeSelectorError with its cause; a loaded program is unloaded")
    func bytecodeSelectorError() {
        let bp = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let p = Self.plan([Self.unit([eth0, Self.point("eth1")])], owned: [bp], loaded: [Self.name(eth0): (7, Self.request(eth0))],
                          credentialsError: "cannot read image pull secret ns/creds: not found")
        #expect(Self.actions(p) == [
            [.call(.unload(id: 7)), .setProgramID, .setCondition(.bytecodeSelectorError, cause: "cannot read image pull secret ns/creds: not found")],
            [.setProgramID, .create, .setCondition(.bytecodeSelectorError, cause: "cannot read image pull secret ns/creds: not found")],
        ])
        #expect(p.retry)
    }

    @Test("attach points not found: one placeholder BpfProgram says why (NotLoaded, or NotSelected), retried")
    func selectionFailure() {
        let why = "no interface holds the node's InternalIP 10.0.0.5"
        let p = Self.plan([Self.unit([], selectionFailure: why)])
        #expect(Self.actions(p) == [[.create, .setCondition(.notLoaded, cause: why)]])
        #expect(p.steps[0].program.metadata.annotations?[AttachPoint.annotationKey] == nil)
        #expect(p.retry)
        let placeholder = Self.existing(AttachPoint(key: AttachPoint.selectionFailedKey, annotations: [AttachPoint.annotationKey: AttachPoint.selectionFailedKey],
                                                    attach: nil), uid: "p1", .notLoaded)
        #expect(Self.actions(Self.plan([Self.unit([], selectionFailure: why)], common: Self.common(selected: false), owned: [placeholder]))
                == [[.setCondition(.notSelected, cause: nil)]])
    }

    @Test("a spec error (no interfaces named, a namespaced program without containers): the condition says why, no retry")
    func specError() async throws {
        var unit = Self.unit([], selectionFailure: "no interfaces selected: give interfaceselector.interfaces or primarynodeinterface: true")
        unit.selectionRetryable = false
        let p = Self.plan([unit])
        #expect(Self.actions(p) == [[.create, .setCondition(.notLoaded, cause: unit.selectionFailure)]])
        #expect(!p.retry, "retrying cannot help; a change to the object reconciles it")
        // Worked out from the real selection: a namespaced XDP program that names no containers.
        let info = try JSONDecoder().decode(XdpNsProgramInfo.self, from: Data(#"{"bpffunctionname":"pass","priority":5,"interfaceselector":{"interfaces":["eth0"]}}"#.utf8))
        let env = Selection(node: NodeObject(metadata: ObjectMeta(name: "node-a"))) { _, _, _ in [] }
        let placed = await AgentUnit(info, kind: XdpNsKind.reconciler, template: Self.template, procRoot: "/proc", env: env)
        #expect(placed.selectionFailure == "a namespaced program needs a container selector (containers)" && !placed.selectionRetryable)
        // A cause that may pass (the node's interface not found yet) is retried.
        let primary = try JSONDecoder().decode(XdpProgramInfo.self, from: Data(#"{"bpffunctionname":"pass","priority":5,"interfaceselector":{"primarynodeinterface":true}}"#.utf8))
        let waiting = await AgentUnit(primary, kind: XdpKind.reconciler, template: Self.template, procRoot: "/proc", env: env)
        #expect(waiting.selectionFailure?.hasPrefix("unable to find the node's primary interface") == true && waiting.selectionRetryable)
    }

    @Test("attach points not found after some were: what is there stays as it is (the cause may pass)")
    func selectionFailureKeeps() {
        let bp = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let p = Self.plan([Self.unit([], selectionFailure: "CRI runtime unreachable")], owned: [bp], loaded: [Self.name(eth0): (7, Self.request(eth0))])
        #expect(p.steps.isEmpty && p.retry)
        #expect(p.notes.map(\.error) == ["CRI runtime unreachable"])
    }

    @Test("an owner name that cannot be a label value: no BpfProgram, a note (the operator reports it)")
    func ownerName() {
        var template = Self.template
        template.owner.name = String(repeating: "x", count: 70)
        let p = Self.plan([Self.unit([eth0], template: template)])
        #expect(p.steps.isEmpty && p.notes.count == 1)
    }

    @Test("a warn-mode signature of a loaded image stays on its Loaded condition")
    func signatureWarning() {
        let bp = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        var r = Self.request(eth0)
        r.signature = ImageSignature(verdict: .warning, detail: "no signature found", digest: "sha256:ab")
        let p = Self.plan([Self.unit([eth0])], owned: [bp], loaded: [Self.name(eth0): (7, r)])
        #expect(Self.actions(p) == [[.setProgramID, .setCondition(.loaded, cause: r.signature!.statusCause)]])
    }

    @Test("a program loaded for this owner that no BpfProgram accounts for and no attach point wants (a pass ended between load and create, then the point or the owner went away): unloaded; one of another kind's owner of the same name, or loaded by hand, is not")
    func orphans() {
        let eth1 = Self.point("eth1")
        let tc = BpfProgramTemplate(kind: TcKind.reconciler, node: "node-a",
                                    owner: OwnerReference(apiVersion: "bpfman.io/v1alpha1", kind: "TcProgram", name: "web", uid: "tc-uid"))
        var byHand = Self.request(eth1)
        byHand.metadata = [MetadataKey.bpfProgram: "web-by-hand", MetadataKey.programName: "web"]
        let loaded: AgentPlanner.Loaded = [Self.name(eth1): (8, Self.request(eth1)), Self.name(eth1, template: tc): (9, Self.request(eth1, template: tc)),
                                           "web-by-hand": (10, byHand)]
        // The owner wants eth0 only now: eth1's program has no BpfProgram and no use.
        let p = Self.plan([Self.unit([eth0])], loaded: loaded)
        #expect(p.orphans == [8])
        #expect(Self.actions(p) == [[.call(.load(Self.request(eth0))), .setProgramID, .create, .setCondition(.loaded, cause: nil)]])
        // The owner gone: the same.
        #expect(Self.plan([], common: nil, loaded: loaded).orphans == [8])
        // Still wanted: adopted (loadedBeforeCreate), not an orphan.
        #expect(Self.plan([Self.unit([eth0, eth1])], loaded: loaded).orphans.isEmpty)
        // A BpfProgram of the owner accounts for it: retired through that BpfProgram, not as an orphan.
        let stale = Self.existing(eth1, uid: "u1", .loaded, id: 8)
        let retired = Self.plan([Self.unit([eth0])], owned: [stale], loaded: loaded)
        #expect(retired.orphans.isEmpty && retired.steps.last?.actions.first == .call(.unload(id: 8)))
        // Identities: kind and name, and the namespace of a namespaced owner.
        #expect(Self.template.ownerIdentity == "XdpProgram/web")
        #expect(BpfProgramTemplate.ownerIdentity(kind: "TcNsProgram", namespace: "ns1", name: "web") == "TcNsProgram/ns1/web")
        // Read back as the agent does at start, to find each owner's controller and key.
        let namespaced = BpfProgramTemplate.owner(ofIdentity: "TcNsProgram/ns1/web")
        #expect(namespaced?.kind == "TcNsProgram" && namespaced?.namespace == "ns1" && namespaced?.name == "web")
        let cluster = BpfProgramTemplate.owner(ofIdentity: Self.template.ownerIdentity)
        #expect(cluster?.kind == "XdpProgram" && cluster?.namespace == nil && cluster?.name == "web")
        #expect(BpfProgramTemplate.owner(ofIdentity: "web") == nil && BpfProgramTemplate.owner(ofIdentity: "a/b/c/d") == nil)
    }

    // MARK: retirement

    @Test("an attach point that went away: unloaded, Unloaded, finalizer off, deleted; the owner's deletion: the same but left to GC")
    func retirement() {
        let stale = Self.existing(Self.point("eth1"), uid: "u2", .loaded, id: 8)
        let keep = Self.existing(eth0, uid: "u1", .loaded, id: 7)
        let loaded: AgentPlanner.Loaded = [Self.name(eth0): (7, Self.request(eth0)), Self.name(Self.point("eth1")): (8, Self.request(Self.point("eth1")))]
        let p = Self.plan([Self.unit([eth0])], owned: [keep, stale], loaded: loaded)
        #expect(Self.actions(p) == [
            [.setProgramID, .setCondition(.loaded, cause: nil)],
            [.call(.unload(id: 8)), .setCondition(.unloaded, cause: nil), .removeFinalizer(Self.finalizer), .delete],
        ])
        let gone = Self.plan([], common: nil, owned: [keep, stale], loaded: loaded)
        #expect(Self.actions(gone) == [
            [.call(.unload(id: 7)), .setCondition(.unloaded, cause: nil), .removeFinalizer(Self.finalizer)],
            [.call(.unload(id: 8)), .setCondition(.unloaded, cause: nil), .removeFinalizer(Self.finalizer)],
        ])
        // Never loaded (NotSelected): nothing to unload. Already being deleted: not deleted again.
        var deleting = Self.existing(Self.point("eth2"), uid: "u3", .notSelected)
        deleting.metadata.deletionTimestamp = "2026-12-07T00:00:00Z"
        #expect(Self.actions(Self.plan([Self.unit([eth0])], owned: [keep, deleting], loaded: loaded)).last
                == [.setCondition(.unloaded, cause: nil), .removeFinalizer(Self.finalizer)])
    }

    @Test("an application's entries are told apart by app program id: an entry that went away is retired, not the others")
    func applicationEntries() {
        func entry(_ id: String) -> BpfProgramTemplate {
            BpfProgramTemplate(kind: BpfApplicationKind.reconciler, node: "node-a", owner: Self.template.owner, appProgramID: id, baseName: "app-xdp")
        }
        let a = Self.existing(eth0, uid: "a1", .loaded, id: 1, template: entry("xdp-pass"))
        let b = Self.existing(eth0, uid: "b1", .notSelected, template: entry("xdp-drop"))
        let p = Self.plan([Self.unit([eth0], template: entry("xdp-pass"))], owned: [a, b], loaded: [entry("xdp-pass").name(for: eth0): (1, Self.request(eth0, template: entry("xdp-pass")))])
        #expect(p.steps.map(\.program.metadata.uid) == ["a1", "b1"])
        #expect(Self.actions(p).last == [.setCondition(.unloaded, cause: nil), .removeFinalizer(Self.finalizer), .delete])
    }
}
