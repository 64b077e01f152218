@testable import BpfmanAgent
import BpfmanAPI
import Foundation
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

    /// The operator adds its finalizer and writes status on every new object; neither may start
    /// another agent pass (each did: two passes and two bpfman Lists per program).
    @Test("user object: spec, deletion, a new incarnation and resyncs start a pass; the operator's finalizer and status do not")
    func userObjectFilter() throws {
        let json = #"{"apiVersion":"bpfman.io/v1alpha1","kind":"TracepointProgram","metadata":{"name":"tp","uid":"u1","resourceVersion":"1","generation":1},"spec":{"bpffunctionname":"f","names":["syscalls/sys_enter_openat"],"nodeselector":{},"bytecode":{"path":"/x.o"}}}"#
        let old = try JSONDecoder().decode(TracepointProgram.self, from: Data(json.utf8))
        #expect(Agent.concernsAgent(old, old), "a resync hands the same version again")
        var operatorWrite = old
        operatorWrite.metadata.resourceVersion = "2"
        operatorWrite.metadata.finalizers = ["bpfman.io.operator/finalizer"]
        operatorWrite.status = ProgramStatus(conditions: [Condition(type: "ReconcileSuccess", reason: "ReconcileSuccess", message: "ok",
                                                                    lastTransitionTime: "")])
        #expect(!Agent.concernsAgent(old, operatorWrite))
        var spec = operatorWrite; spec.metadata.resourceVersion = "3"; spec.spec.info.names = ["syscalls/sys_exit_openat"]
        var deleting = operatorWrite; deleting.metadata.resourceVersion = "3"; deleting.metadata.deletionTimestamp = "2026-12-07T00:00:00Z"
        var again = old; again.metadata.resourceVersion = "9"; again.metadata.uid = "u2"
        for (what, new) in [("spec", spec), ("deletion", deleting), ("new incarnation", again)] {
            #expect(Agent.concernsAgent(operatorWrite, new), "\(what)")
        }
    }
}
