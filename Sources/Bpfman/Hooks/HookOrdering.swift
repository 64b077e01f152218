import BpfKernel

/// Ordering of several programs on one hook (TC filters, TCX links).
///
/// Lower priority runs first. Ties keep load order: a newcomer goes after the
/// programs already there with the same priority. Positions are stored, so the
/// order is the same across runs and restarts (upstream's tie-break is not:
/// bpfman#678).
public enum HookOrdering {
    public struct Member: Equatable, Sendable {
        public var id: UInt32
        public var priority: Int32
        public var position: Int
        public init(id: UInt32, priority: Int32, position: Int) {
            self.id = id; self.priority = priority; self.position = position
        }
    }

    /// Where a program of `priority` goes among `members`: its index in run
    /// order and the TCX anchor that puts it there.
    public static func placement(priority: Int32, among members: [Member]) -> (index: Int, order: NetworkLinks.TcxOrder) {
        let sorted = members.sorted { ($0.position, $0.id) < ($1.position, $1.id) }
        let index = sorted.firstIndex { $0.priority > priority } ?? sorted.count
        if sorted.isEmpty { return (0, .last) }
        if index == sorted.count { return (index, .after(programID: sorted[index - 1].id)) }
        return (index, .before(programID: sorted[index].id))
    }

    /// Positions (0 first) of `members` in run order, after a removal or insertion.
    public static func renumbered(_ members: [Member]) -> [UInt32: Int] {
        let sorted = members.sorted { ($0.position, $0.id) < ($1.position, $1.id) }
        var result: [UInt32: Int] = [:]
        for (i, m) in sorted.enumerated() { result[m.id] = i }
        return result
    }
}
