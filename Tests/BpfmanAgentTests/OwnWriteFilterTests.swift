@testable import BpfmanAgent
import BpfmanAPI
import KubeClient
import Testing

/// Which BpfProgram changes start another pass of their owner: not the
/// agent's own annotation and status writes (its pass accounts for them).
@Suite("the agent's own BpfProgram writes")
struct OwnWriteFilterTests {
    static func bp() -> BpfProgram {
        var meta = ObjectMeta(name: "x-1", labels: ["bpfman.io/ownedByProgram": "x"])
        meta.finalizers = ["bpfman.io.xdpprogramcontroller/finalizer"]
        meta.resourceVersion = "1"
        return BpfProgram(metadata: meta, spec: BpfProgramSpec(type: "xdp"), status: nil)
    }

    @Test("status, the kernel-id annotation and resourceVersion: no pass; deletion, finalizers, labels, owners, spec: a pass")
    func filter() {
        let old = Self.bp()
        var own = old
        own.metadata.resourceVersion = "2"
        own.metadata.annotations = [BpfProgramLabels.programIDAnnotation: "42"]
        own.status = ProgramStatus(conditions: [Condition(type: "Loaded", reason: "bpfmanLoaded", message: "ok", lastTransitionTime: "")])
        #expect(!Agent.notOwnWrite(old, own))
        var changes: [(String, BpfProgram)] = []
        var d = old; d.metadata.deletionTimestamp = "2026-12-04T00:00:00Z"; changes.append(("deletion", d))
        var f = old; f.metadata.finalizers = []; changes.append(("finalizers", f))
        var l = old; l.metadata.labels?["kubernetes.io/hostname"] = "node-b"; changes.append(("labels", l))
        var o = old; o.metadata.ownerReferences = [OwnerReference(apiVersion: "bpfman.io/v1alpha1", kind: "XdpProgram", name: "y", uid: "u")]
        changes.append(("owners", o))
        var s = old; s.spec = BpfProgramSpec(type: "tc"); changes.append(("spec", s))
        for (what, new) in changes { #expect(Agent.notOwnWrite(old, new), "\(what)") }
    }
}
