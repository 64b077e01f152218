@testable import Bpfman
import Testing

/// The dispatcher's pure decisions: order, revisions, steps, refusals.
@Suite("dispatcher plan")
struct DispatcherPlanTests {
    func m(_ id: UInt32, _ prio: Int32) -> DispatcherPlan.Member { .init(programID: id, priority: prio, mask: 1 << 31) }

    /// Adds programs one at a time, as loads would.
    func build(_ prios: [Int32]) throws -> DispatcherPlan {
        var members: [DispatcherPlan.Member] = []
        var rev: UInt32? = nil
        var plan: DispatcherPlan?
        for (i, p) in prios.enumerated() {
            plan = try DispatcherPlan.plan(hook: .xdp, description: "xdp on veth0", members: members, revision: rev, change: .add(m(UInt32(100 + i), p)))
            members = plan!.slots
            rev = plan!.revision
        }
        return plan!
    }

    @Test func parityContractPositions() throws {
        let plan = try build([50, 10, 40, 20, 30])
        #expect([100, 101, 102, 103, 104].map { plan.positions[$0]! } == [4, 0, 3, 1, 2])
        #expect(plan.revision == 5)
        // Removing the middle one re-compacts.
        let after = try DispatcherPlan.plan(hook: .xdp, description: "xdp on veth0", members: plan.slots, revision: plan.revision,
                                            change: .remove(programID: 102))
        #expect(after.slots.map(\.programID) == [101, 103, 104, 100] && after.revision == 6)
        #expect(after.positions[100] == 3)
    }

    @Test func equalPrioritiesAlwaysComeOutTheSameWay() throws {
        let first = try build([20, 20, 20, 10, 20]).slots.map(\.programID)
        #expect(first == [103, 100, 101, 102, 104], "priority, then load order")
        for _ in 0..<5 {
            // However the members are presented (say, records read back in any order after a restart).
            let shuffled = try build([20, 20, 20, 10, 20]).slots.shuffled()
            #expect(DispatcherPlan.order(shuffled).map(\.programID) == first)
        }
    }

    @Test func stepsBuildRelinkSwapAndFree() throws {
        let one = try DispatcherPlan.plan(hook: .tc, description: "tc", members: [], revision: nil, change: .add(m(7, 50)))
        #expect(one.steps == [.loadDispatcher(revision: 1, config: DispatcherConfig(hook: .tc, masks: [1 << 31])),
                              .linkExtension(programID: 7, slot: 0), .attachDispatcher(revision: 1)])
        let two = try DispatcherPlan.plan(hook: .tc, description: "tc", members: one.slots, revision: 1, change: .add(m(8, 10)))
        #expect(two.steps == [.loadDispatcher(revision: 2, config: DispatcherConfig(hook: .tc, masks: [1 << 31, 1 << 31])),
                              .linkExtension(programID: 8, slot: 0), .linkExtension(programID: 7, slot: 1),
                              .attachDispatcher(revision: 2), .freeRevision(1)])
        let gone = try DispatcherPlan.plan(hook: .tc, description: "tc", members: [m(8, 10)], revision: 2, change: .remove(programID: 8))
        #expect(gone.steps == [.detachDispatcher, .freeRevision(2)] && gone.slots.isEmpty && gone.revision == nil)
        // Revisions wrap like upstream's u32, skipping 0 (a TC dispatcher's filter handle is its revision).
        let wrapped = try DispatcherPlan.plan(hook: .xdp, description: "x", members: [m(1, 1)], revision: .max, change: .add(m(2, 2)))
        #expect(wrapped.revision == 1)
        // A rebuild keeps the members and their order in a fresh revision.
        let rebuilt = try DispatcherPlan.plan(hook: .xdp, description: "x", members: [m(2, 2), m(1, 1)], revision: 7, change: .rebuild)
        #expect(rebuilt.slots.map(\.programID) == [1, 2] && rebuilt.revision == 8)
        #expect(rebuilt.steps.last == .freeRevision(7))
    }

    @Test func inPlaceUpdateKeepsTheProgramAndReorders() throws {
        let plan = try build([10, 20, 30])
        var moved = m(100, 40)
        moved.mask = 0x6
        let up = try DispatcherPlan.plan(hook: .xdp, description: "x", members: plan.slots, revision: plan.revision, change: .update(moved))
        #expect(up.slots.map(\.programID) == [101, 102, 100] && up.slots.last?.mask == 0x6 && up.revision == 4)
    }

    @Test func refusalsChangeNothing() throws {
        let full = try build(Array(repeating: 50, count: 10))
        #expect(throws: DispatcherPlan.PlanError.full(hookDescription: "xdp on veth0")) {
            try DispatcherPlan.plan(hook: .xdp, description: "xdp on veth0", members: full.slots, revision: full.revision, change: .add(m(999, 1)))
        }
        #expect(DispatcherPlan.PlanError.full(hookDescription: "xdp on veth0").description.contains("10 programs"))
        #expect(throws: DispatcherPlan.PlanError.notOnHook(programID: 5, hookDescription: "h")) {
            try DispatcherPlan.plan(hook: .xdp, description: "h", members: full.slots, revision: 1, change: .remove(programID: 5))
        }
        #expect(throws: DispatcherPlan.PlanError.badPriority(1001)) {
            try DispatcherPlan.plan(hook: .tc, description: "h", members: [], revision: nil, change: .add(m(1, 1001)))
        }
    }

    @Test func pinLayout() {
        let x = DispatcherPins(root: "/run/bpfman/fs", hook: .xdp, direction: nil, netnsInode: 4026531840, ifindex: 7)
        #expect(x.interfaceLink == "/run/bpfman/fs/xdp/dispatcher_4026531840_7_link")
        #expect(x.extensionLink(revision: 3, programID: 42) == "/run/bpfman/fs/xdp/dispatcher_4026531840_7_3/link_42")
        let t = DispatcherPins(root: "/run/bpfman/fs", hook: .tc, direction: .egress, netnsInode: 1, ifindex: 2)
        #expect(t.revisionDir(1) == "/run/bpfman/fs/tc-egress/dispatcher_1_2_1")
    }
}
