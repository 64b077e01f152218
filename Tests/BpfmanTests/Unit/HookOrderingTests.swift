import BpfKernel
import Bpfman
import Testing

@Suite("Hook ordering")
struct HookOrderingTests {
    typealias M = HookOrdering.Member

    @Test("the first program goes last (alone)")
    func empty() {
        let p = HookOrdering.placement(priority: 10, among: [])
        #expect(p.index == 0)
        #expect(p.order == .last)
    }

    @Test("lower priority runs first; the newcomer is anchored to its neighbour")
    func placement() {
        let members = [M(id: 7, priority: 20, position: 0), M(id: 9, priority: 40, position: 1)]
        #expect(HookOrdering.placement(priority: 10, among: members).order == .before(programID: 7))
        #expect(HookOrdering.placement(priority: 30, among: members).order == .before(programID: 9))
        let last = HookOrdering.placement(priority: 50, among: members)
        #expect(last.index == 2)
        #expect(last.order == .after(programID: 9))
    }

    @Test("equal priorities keep load order: the newcomer goes after")
    func ties() {
        let members = [M(id: 7, priority: 20, position: 0), M(id: 3, priority: 20, position: 1), M(id: 9, priority: 40, position: 2)]
        let p = HookOrdering.placement(priority: 20, among: members)
        #expect(p.index == 2)
        #expect(p.order == .before(programID: 9))
    }

    @Test("renumbering closes gaps and follows stored positions, not ids")
    func renumber() {
        let positions = HookOrdering.renumbered([M(id: 9, priority: 1, position: 4), M(id: 2, priority: 1, position: 7), M(id: 5, priority: 1, position: 0)])
        #expect(positions == [5: 0, 9: 1, 2: 2])
    }
}
