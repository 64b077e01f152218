import BpfKernel

/// Identifies one network hook: namespace, interface and direction.
struct NetworkHookKey: Equatable {
    var netnsInode: UInt64
    var ifindex: UInt32
    var direction: TcDirection?

    init?(_ record: ProgramRecord) {
        guard let ino = record.attachment.netnsInode, let idx = record.attachment.ifindex else { return nil }
        netnsInode = ino
        ifindex = idx
        switch record.attach {
        case .tc(let t): direction = t.direction
        case .tcx(let t): direction = t.direction
        default: direction = nil
        }
    }

    init(netnsInode: UInt64, ifindex: UInt32, direction: TcDirection?) {
        self.netnsInode = netnsInode; self.ifindex = ifindex; self.direction = direction
    }

    /// The records of `peers` on this hook, as ordering members.
    func members(of peers: [ProgramRecord]) -> [(record: ProgramRecord, member: HookOrdering.Member)] {
        peers.compactMap { r in
            guard NetworkHookKey(r) == self else { return nil }
            let priority: Int32
            switch r.attach {
            case .xdp(let x): priority = x.priority
            case .tc(let t): priority = t.priority
            case .tcx(let t): priority = t.priority
            default: return nil
            }
            return (r, HookOrdering.Member(id: r.id, priority: priority, position: r.attachment.position ?? Int.max))
        }
    }

    /// Places a newcomer of `priority` on this hook: its position, the TCX
    /// anchor, and the peers whose positions move.
    func insert(priority: Int32, peers: [ProgramRecord]) -> (position: Int, order: NetworkLinks.TcxOrder, moved: [ProgramRecord]) {
        let mine = members(of: peers)
        let (index, order) = HookOrdering.placement(priority: priority, among: mine.map(\.member))
        let ranked = HookOrdering.renumbered(mine.map(\.member))
        return (index, order, Self.apply(mine.map(\.record)) { ranked[$0].map { $0 < index ? $0 : $0 + 1 } })
    }

    /// The peers whose positions move when `removed` leaves this hook.
    func remove(_ removed: UInt32, peers: [ProgramRecord]) -> [ProgramRecord] {
        let mine = members(of: peers).filter { $0.record.id != removed }
        let ranked = HookOrdering.renumbered(mine.map(\.member))
        return Self.apply(mine.map(\.record)) { ranked[$0] }
    }

    /// Moves program `id` to `priority` on this hook: its new position, the
    /// TCX anchor that puts it there, and the other peers whose positions move.
    func move(_ id: UInt32, to priority: Int32, peers: [ProgramRecord]) -> (position: Int, order: NetworkLinks.TcxOrder, moved: [ProgramRecord]) {
        let closed = remove(id, peers: peers)
        let others = members(of: peers).map(\.record).filter { $0.id != id }.map { r in closed.first { $0.id == r.id } ?? r }
        let placed = insert(priority: priority, peers: others)
        var moved = Dictionary(uniqueKeysWithValues: closed.map { ($0.id, $0) })
        for r in placed.moved { moved[r.id] = r }
        return (placed.position, placed.order, moved.values.sorted { $0.id < $1.id })
    }

    private static func apply(_ records: [ProgramRecord], _ position: (UInt32) -> Int?) -> [ProgramRecord] {
        records.compactMap { r in
            guard let p = position(r.id), p != r.attachment.position else { return nil }
            var r = r
            r.attachment.position = p
            return r
        }
    }
}
