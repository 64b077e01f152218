import BpfmanAPI
import BpfmanOperator
import KubeClient
import Testing

@Suite("operator status from per-node BpfPrograms")
struct StatusDecisionTests {
    static let finalizer = ReconcilerKind.xdp.finalizer

    static func bp(_ name: String, node: String, _ condition: BpfProgramConditionType?, message: String? = nil, holding: Bool = true) -> BpfProgram {
        var meta = ObjectMeta(name: name, labels: [BpfProgramLabels.hostname: node])
        meta.finalizers = holding ? [finalizer] : []
        let status = condition.map {
            ProgramStatus(conditions: [Condition(type: $0.rawValue, reason: $0.reason, message: message ?? $0.message, lastTransitionTime: "")])
        }
        return BpfProgram(metadata: meta, spec: BpfProgramSpec(type: "xdp"), status: status)
    }

    func decide(_ programs: [BpfProgram], nodes: Set<String>, deleting: Bool = false) -> StatusDecision.Outcome {
        StatusDecision.decide(deleting: deleting, programs: programs, daemonNodes: nodes, agentFinalizer: Self.finalizer)
    }

    @Test("Loaded and NotSelected on every daemon node → success; a node without the daemon is not waited for")
    func success() {
        let out = decide([Self.bp("a", node: "node-a", .loaded), Self.bp("b", node: "node-b", .notSelected)], nodes: ["node-a", "node-b"])
        #expect(out == .condition(.reconcileSuccess, "bpfProgramReconciliation Succeeded on all nodes"))
        // node-c has no agent: not in the daemon's nodes, not waited for.
        #expect(decide([Self.bp("a", node: "node-a", .loaded)], nodes: ["node-a"]) == out)
        // NoContainersOnNode counts as success.
        #expect(decide([Self.bp("a", node: "node-a", .noContainersOnNode)], nodes: ["node-a"]) == out)
    }

    @Test("an owner name too long for the ownedBy label → ReconcileError saying so, whatever the nodes report; 63 characters is fine")
    func nameTooLong() {
        let long = String(repeating: "a", count: 64)
        let out = StatusDecision.decide(deleting: false, programs: [], daemonNodes: ["node-a"], agentFinalizer: Self.finalizer, ownerName: long)
        guard case .condition(.reconcileError, let m) = out else { Issue.record("\(out)"); return }
        #expect(m.contains("the name is 64 characters") && m.contains(BpfProgramLabels.ownedBy) && m.contains("at most 63"), "\(m)")
        let fine = StatusDecision.decide(deleting: false, programs: [Self.bp("a", node: "node-a", .loaded)], daemonNodes: ["node-a"],
                                         agentFinalizer: Self.finalizer, ownerName: String(long.dropFirst()))
        #expect(fine == .condition(.reconcileSuccess, "bpfProgramReconciliation Succeeded on all nodes"))
        // Deleting it is not blocked by the name.
        #expect(StatusDecision.decide(deleting: true, programs: [], daemonNodes: ["node-a"], agentFinalizer: Self.finalizer, ownerName: long) == .removeFinalizer)
    }

    @Test("a daemon node with nothing, or nothing reported yet → NotYetLoaded naming it")
    func waiting() {
        guard case .condition(.notYetLoaded, let m) = decide([Self.bp("a", node: "node-a", .loaded)], nodes: ["node-a", "node-b"]) else {
            Issue.record("not NotYetLoaded"); return
        }
        #expect(m.hasPrefix("Waiting for Program Object to be reconciled to all nodes") && m.contains("node-b") && !m.contains("node-a"))
        guard case .condition(.notYetLoaded, let m2) = decide([Self.bp("a", node: "node-a", nil)], nodes: ["node-a"]) else {
            Issue.record("a BpfProgram without a condition is waiting, not failed"); return
        }
        #expect(m2.contains("node-a"))
        guard case .condition(.notYetLoaded, let m3) = decide([], nodes: []) else { Issue.record("no daemon nodes"); return }
        #expect(m3.contains("no node runs the bpfman daemon"))
    }

    @Test("a failing node → ReconcileError naming the node, the object and the agent's cause; upstream's failure set")
    func failure() {
        let cause = "Failed to load bpfProgram: the kernel refused to load fexit program test_fexit"
        let out = decide([Self.bp("x-1", node: "node-a", .loaded), Self.bp("x-2", node: "node-b", .notLoaded, message: cause)],
                         nodes: ["node-a", "node-b"])
        guard case .condition(.reconcileError, let m) = out else { Issue.record("\(out)"); return }
        #expect(m.hasPrefix("bpfProgramReconciliation failed on the following bpfProgram Objects: [x-2]"))
        #expect(m.contains("node-b (x-2): NotLoaded: \(cause)") && !m.contains("node-a"))
        for failing in [BpfProgramConditionType.notUnloaded, .mapOwnerNotFound, .mapOwnerNotLoaded, .bytecodeSelectorError] {
            guard case .condition(.reconcileError, _) = decide([Self.bp("x", node: "n", failing)], nodes: ["n"]) else {
                Issue.record("\(failing) is a failure"); continue
            }
        }
        // A failure on a node that no longer runs the daemon does not count.
        #expect(decide([Self.bp("x", node: "gone", .notLoaded), Self.bp("y", node: "n", .loaded)], nodes: ["n"])
                == .condition(.reconcileSuccess, ProgramConditionType.reconcileSuccess.defaultMessage))
        // Long causes are clipped; the message stays within the CRD's limit.
        let long = String(repeating: "v", count: 100_000)
        guard case .condition(_, let clipped) = decide((0..<60).map { Self.bp("x\($0)", node: "n\($0)", .notLoaded, message: long) },
                                                       nodes: Set((0..<60).map { "n\($0)" })) else { return }
        #expect(clipped.utf8.count <= 32768)
    }

    @Test("deleting: wait while a node holds the agent finalizer (DeleteError naming it), then the operator's finalizer goes")
    func deleting() {
        guard case .condition(.deleteError, let m) = decide([Self.bp("x-1", node: "node-a", .loaded), Self.bp("x-2", node: "node-b", .unloaded, holding: false)],
                                                            nodes: ["node-a", "node-b"], deleting: true) else {
            Issue.record("not DeleteError"); return
        }
        #expect(m.contains("[x-1]") && m.contains("node-a") && !m.contains("x-2"))
        #expect(decide([Self.bp("x-2", node: "node-b", .unloaded, holding: false)], nodes: ["node-b"], deleting: true) == .removeFinalizer)
        #expect(decide([], nodes: ["node-a"], deleting: true) == .removeFinalizer)
    }
}
