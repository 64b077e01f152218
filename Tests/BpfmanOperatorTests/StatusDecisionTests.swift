import Foundation
import BpfmanAPI
import BpfmanOperator
import KubeClient
import Testing

@Suite("operator status from per-node BpfPrograms")
struct StatusDecisionTests {
    static let finalizer = XdpKind.reconciler.finalizer

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
                                                       nodes: Set((0..<60).map { "n\($0)" })) else {
            Issue.record("60 failing nodes gave no condition")
            return
        }
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

    static func fleet(_ n: Int) -> [String] { (0..<n).map { String(format: "node-%04d", $0) } }

    @Test("5,000 nodes, mixed outcomes → a bounded message, failing nodes first, grouped by cause, the same whatever the order")
    func atScale() {
        let nodes = Self.fleet(5000)
        var programs: [BpfProgram] = []
        for (i, n) in nodes.enumerated() {
            switch i % 10 {
            case 0: programs.append(Self.bp("p-\(n)", node: n, .notLoaded, message: "the kernel refused: invalid argument " + String(repeating: "x", count: 2000)))
            case 1 where i % 20 == 1: programs.append(Self.bp("p-\(n)", node: n, .mapOwnerNotLoaded, message: "map owner xdp-a not loaded"))
            case 2, 3: continue  // not reported yet
            default: programs.append(Self.bp("p-\(n)", node: n, .loaded))
            }
        }
        let out = decide(programs, nodes: Set(nodes))
        guard case .condition(.reconcileError, let m) = out else { Issue.record("\(out)"); return }
        #expect(m.utf8.count < 8 * 1024, "\(m.utf8.count) bytes")
        let lines = m.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("bpfProgramReconciliation failed on the following bpfProgram Objects: [p-node-0000 p-node-0001 p-node-0010 ") && lines[0].hasSuffix("(+740 more)]"), "\(lines[0])")
        #expect(lines[1] == "750 nodes failed, 4000 of 5000 nodes reported", "\(lines[1])")
        // The largest cause first, with its count, the nodes, and the agent's cause clipped.
        #expect(lines[2].hasPrefix("500 nodes (node-0000, node-0010, ") && lines[2].contains("(+490 more)): NotLoaded: the kernel refused: invalid argument"), "\(lines[2])")
        #expect(lines[2].utf8.count < StatusDecision.causeLimit + 300)
        #expect(lines[3].hasPrefix("250 nodes (node-0001, node-0021, ") && lines[3].hasSuffix("MapOwnerNotLoaded: map owner xdp-a not loaded"), "\(lines[3])")
        #expect(lines[4].hasPrefix("not reported yet: node-0002, node-0003, node-0012, ") && lines[4].hasSuffix("(+990 more)"), "\(lines[4])")
        #expect(lines.count == 5)
        // Stable: the same message from the same facts in any order.
        #expect(decide(programs.reversed(), nodes: Set(nodes)) == out)
        #expect(decide(programs.shuffled(), nodes: Set(nodes)) == out)
    }

    @Test("one failure among 1,000 nodes is reported; waiting on 1,000 nodes is counted, not listed")
    func oneAmongMany() {
        let nodes = Self.fleet(1000)
        var programs = nodes.map { Self.bp("p-\($0)", node: $0, .loaded) }
        programs[617] = Self.bp("p-node-0617", node: "node-0617", .bytecodeSelectorError, message: "no image matches")
        guard case .condition(.reconcileError, let m) = decide(programs, nodes: Set(nodes)) else { Issue.record("not an error"); return }
        #expect(m.contains("[p-node-0617]") && m.contains("\nnode-0617 (p-node-0617): BytecodeSelectorError: no image matches"), "\(m)")
        #expect(m.contains("1 node failed, 1000 of 1000 nodes reported") && !m.contains("not reported"))
        guard case .condition(.notYetLoaded, let w) = decide(Array(programs.prefix(3)), nodes: Set(nodes)) else { Issue.record("not waiting"); return }
        #expect(w == "Waiting for Program Object to be reconciled to all nodes: 3 of 1000 nodes reported; waiting for node-0003, node-0004, node-0005, node-0006, node-0007, node-0008, node-0009, node-0010, node-0011, node-0012, … (+987 more)", "\(w)")
        // Deleting on 1,000 nodes: counted too.
        guard case .condition(.deleteError, let d) = decide(programs, nodes: Set(nodes), deleting: true) else { Issue.record("not DeleteError"); return }
        #expect(d.contains("(+990 more)]; waiting for 1000 nodes to unload: node-0000, ") && d.utf8.count < 1024, "\(d)")
    }
}

@Suite("when the operator writes a changed condition")
struct StatusWritePolicyTests {
    let policy = StatusWritePolicy(interval: .seconds(2))
    let t0 = ContinuousClock.now

    @Test("a new type is written at once; the same type and message not at all")
    func typeChanges() {
        let later = t0.advanced(by: .milliseconds(10))
        let wrote = StatusWritePolicy.LastWrite(at: t0, type: "NotYetLoaded")
        #expect(policy.decide(shown: nil, desired: ("NotYetLoaded", "a"), lastWrite: nil, now: t0) == .write)
        #expect(policy.decide(shown: ("NotYetLoaded", "a"), desired: ("ReconcileSuccess", "ok"), lastWrite: wrote, now: later) == .write)
        #expect(policy.decide(shown: ("NotYetLoaded", "a"), desired: ("ReconcileError", "x"), lastWrite: wrote, now: later) == .write)
        #expect(policy.decide(shown: ("ReconcileSuccess", "ok"), desired: ("ReconcileSuccess", "ok"),
                              lastWrite: .init(at: t0, type: "ReconcileSuccess"), now: later) == .unchanged)
        // Written by someone else (no write of ours on record, or ours was of another type): at once.
        #expect(policy.decide(shown: ("NotYetLoaded", "a"), desired: ("NotYetLoaded", "b"), lastWrite: nil, now: later) == .write)
        #expect(policy.decide(shown: ("NotYetLoaded", "a"), desired: ("NotYetLoaded", "b"),
                              lastWrite: .init(at: t0, type: "ReconcileSuccess"), now: later) == .write)
    }

    @Test("progress under one type waits 2 s, then 4, 8, 16, 32 and no longer")
    func doublingInterval() {
        var last = StatusWritePolicy.LastWrite(at: t0, type: "NotYetLoaded")
        for (count, seconds) in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 32), (6, 32), (40, 32)] {
            last.count = count
            let just = t0.advanced(by: .seconds(seconds) - .milliseconds(1))
            #expect(policy.decide(shown: ("NotYetLoaded", "a"), desired: ("NotYetLoaded", "b"), lastWrite: last, now: just) == .later(.milliseconds(1)),
                    "after \(count) writes")
            #expect(policy.decide(shown: ("NotYetLoaded", "a"), desired: ("NotYetLoaded", "b"), lastWrite: last,
                                  now: t0.advanced(by: .seconds(seconds))) == .write)
        }
        #expect(last.next("NotYetLoaded", at: t0).count == 41 && last.next("ReconcileError", at: t0).count == 1)
    }

    /// N nodes report over a spread, one at a time, each changing the progress message; the
    /// reconciler runs on every report and when told to come back. The last message is written,
    /// and the writes grow with the logarithm of the spread, not with the nodes.
    @Test("progress under one type is coalesced, the last one is always written, and the writes stay <= 10 at any size",
          arguments: [(1000, 20), (5000, 30), (5000, 120)])
    func coalesces(nodes: Int, spreadSeconds: Int) {
        var shown: (type: String, message: String)? = nil
        var lastWrite: StatusWritePolicy.LastWrite?
        var writes = 0
        var comeBack: ContinuousClock.Instant?
        func reconcile(_ desired: (String, String), at now: ContinuousClock.Instant) {
            switch policy.decide(shown: shown, desired: desired, lastWrite: lastWrite, now: now) {
            case .unchanged: comeBack = nil
            case .write:
                shown = desired
                lastWrite = lastWrite?.next(desired.0, at: now) ?? .init(at: now, type: desired.0)
                writes += 1
                comeBack = nil
            case .later(let d): comeBack = now.advanced(by: d)
            }
        }
        var now = t0
        var desired = ("NotYetLoaded", "")
        let step = Duration.seconds(spreadSeconds) / nodes
        for reported in 1...nodes {
            now = t0 + step * reported
            if let due = comeBack, due <= now { reconcile(desired, at: due) }
            desired = ("NotYetLoaded", "\(reported) of \(nodes) nodes reported")
            reconcile(desired, at: now)
        }
        // Nothing more happens but the requeue coming due.
        if let due = comeBack { reconcile(desired, at: due) }
        #expect(shown?.message == "\(nodes) of \(nodes) nodes reported", "the last change is written")
        #expect(writes <= 9, "\(writes) writes for \(nodes) reports over \(spreadSeconds) s")
        // And the end state, a new type, goes at once however recent the last write.
        #expect(policy.decide(shown: shown, desired: ("ReconcileSuccess", "ok"), lastWrite: lastWrite, now: lastWrite!.at) == .write)
    }

    /// A fresh object whose agents report within the grace gets one condition write, the end
    /// state; one whose agents are slower gets NotYetLoaded when the grace is over, not before.
    @Test("NotYetLoaded waits for the first-report grace; an end state does not")
    func firstReportGrace() {
        let soon = t0.advanced(by: .milliseconds(300))
        #expect(policy.decide(shown: nil, desired: ("NotYetLoaded", "0 of 1"), lastWrite: nil, firstSeen: t0, now: soon)
                == .later(.milliseconds(1700)))
        #expect(policy.decide(shown: nil, desired: ("ReconcileSuccess", "ok"), lastWrite: nil, firstSeen: t0, now: soon) == .write)
        #expect(policy.decide(shown: nil, desired: ("ReconcileError", "x"), lastWrite: nil, firstSeen: t0, now: soon) == .write)
        #expect(policy.decide(shown: nil, desired: ("NotYetLoaded", "0 of 1"), lastWrite: nil, firstSeen: t0,
                              now: t0.advanced(by: .seconds(2))) == .write)
        // Once a condition shows, NotYetLoaded again (a node added) is an ordinary change of type.
        #expect(policy.decide(shown: ("ReconcileSuccess", "ok"), desired: ("NotYetLoaded", "1 of 2"),
                              lastWrite: .init(at: t0, type: "ReconcileSuccess"), firstSeen: t0,
                              now: soon) == .write)
    }

    @Test("an Event for a failure and for its end, none for the ordinary way in")
    func events() {
        #expect(!StatusWritePolicy.isEventWorthy(from: nil, to: .notYetLoaded))
        #expect(!StatusWritePolicy.isEventWorthy(from: nil, to: .reconcileSuccess))
        #expect(!StatusWritePolicy.isEventWorthy(from: "NotYetLoaded", to: .reconcileSuccess))
        #expect(!StatusWritePolicy.isEventWorthy(from: "ReconcileSuccess", to: .notYetLoaded))
        #expect(!StatusWritePolicy.isEventWorthy(from: "ReconcileError", to: .reconcileError), "no change, no event")
        #expect(StatusWritePolicy.isEventWorthy(from: nil, to: .reconcileError))
        #expect(StatusWritePolicy.isEventWorthy(from: "ReconcileSuccess", to: .reconcileError))
        #expect(StatusWritePolicy.isEventWorthy(from: "ReconcileSuccess", to: .deleteError))
        #expect(StatusWritePolicy.isEventWorthy(from: "ReconcileError", to: .reconcileSuccess), "recovered")
        #expect(StatusWritePolicy.isEventWorthy(from: "DeleteError", to: .notYetLoaded))
    }
}
