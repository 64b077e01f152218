import BpfKernel
import Glibc

/// Legacy TC: each program is its own cls_bpf direct-action filter on the
/// clsact hook, at tc priority (pref) = its priority + 1 (`filterPriority`:
/// bpfman's 0…1000 onto tc's 1…1001, which has no 0), so the kernel runs them
/// in priority order; a program returning TC_ACT_UNSPEC (-1) lets the next run.
/// (The dispatcher replaces this behind the same `ProgramHook` seam where the
/// kernel allows freplace.)
///
/// A filter lives in the kernel with no pin, so each one is claimed
/// (`TcFilterClaim`) before it is made and gets the program id as its handle:
/// the repair pass can then find and remove one a crash left without a record.
struct TcHook: ProgramHook {
    let claims: ClaimStore
    let qdiscs: ClsactQdiscs

    func attach(_ p: LoadedProgram, _ info: AttachInfo, peers: [ProgramRecord]) throws -> HookChange {
        guard case .tc(let t) = info else { preconditionFailure("TcHook given \(info.kind)") }
        let pref = try Self.filterPriority(t.priority)
        let ifindex = try InterfaceResolver.ifindex(t.iface, netns: t.netns)
        let key = NetworkHookKey(netnsInode: InterfaceResolver.netnsInode(t.netns), ifindex: ifindex, direction: t.direction)
        let egress = t.direction == .egress
        try claims.save(TcFilterClaim(programID: p.id, netns: t.netns, netnsInode: key.netnsInode, ifindex: ifindex,
                                      egress: egress, priorities: [pref]))
        let qdisc = ClsactQdiscs.Claim(netns: t.netns, netnsInode: key.netnsInode, ifindex: ifindex)
        let handle: UInt32
        do {
            handle = try NetworkNamespace.run(t.netns) {
                do {
                    return try qdiscs.attachFilter(qdisc, programFD: p.fd, egress: egress, priority: pref, handle: p.id)
                } catch let e as KernelError {
                    let hint = egress && (e.errno == EINVAL || e.errno == EEXIST)
                        ? " (if the interface has an `ingress` qdisc, it has no egress hook: replace it with clsact)" : ""
                    throw BpfmanError(.failedPrecondition, "cannot attach TC program \(p.program.name) to \(t.iface) \(t.direction.rawValue): \(e.reason)\(hint)")
                }
            }
        } catch {
            try? claims.delete(p.id)
            qdiscs.release(qdisc)
            throw error
        }
        FaultPoint.hit(.tcFilterAttached)
        let placed = key.insert(priority: t.priority, peers: peers)
        var a = try p.networkAttachment(key, position: placed.position)
        a.tcPriority = pref
        a.tcHandle = handle
        return HookChange(attachment: a, updatedPeers: placed.moved)
    }

    /// The tc filter priority (pref) of a program at bpfman priority `p`: one
    /// more, since tc priorities start at 1 and bpfman's at 0; the order is kept.
    static func filterPriority(_ p: Int32) throws -> UInt32 {
        guard (0...65534).contains(p) else {
            throw BpfmanError.invalid("TC priority \(p) cannot be placed as a tc filter (0 to 65534): without the dispatcher each TC program is a filter at its priority + 1")
        }
        return UInt32(p) + 1
    }

    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        guard case .tc(let t) = record.attach, let ifindex = record.attachment.ifindex,
              let prio = record.attachment.tcPriority, let handle = record.attachment.tcHandle else { return [] }
        if t.netns.map(Pins.exists) ?? true {
            _ = try? NetworkNamespace.run(t.netns) {
                // Only remove the filter if it still runs this program.
                if NetworkLinks.tcFilterProgram(ifindex: ifindex, egress: t.direction == .egress, priority: prio, handle: handle) == record.id {
                    try NetworkLinks.detachTc(ifindex: ifindex, egress: t.direction == .egress, priority: prio, handle: handle)
                }
            }
            FaultPoint.hit(.tcFilterDetached)
        }
        try claims.delete(record.id)
        guard let key = NetworkHookKey(record) else { return [] }
        qdiscs.release(.init(netns: t.netns, netnsInode: key.netnsInode, ifindex: ifindex))
        return key.remove(record.id, peers: peers)
    }

    /// A new priority: the same program in a filter at the new priority
    /// first, then the old filter goes, so no packet misses it.
    func update(_ record: ProgramRecord, to info: AttachInfo, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        guard case .tc(let old) = record.attach, case .tc(let new) = info, let key = NetworkHookKey(record),
              let oldPrio = record.attachment.tcPriority, let oldHandle = record.attachment.tcHandle else {
            throw BpfmanError(.internal, "program \(record.id) has no TC filter on record")
        }
        var r = record
        r.attach = info
        guard new.priority != old.priority else { return [r] }
        let newPref = try Self.filterPriority(new.priority)
        let egress = new.direction == .egress
        let program = try Pins.open(record.attachment.programPin)
        let claim = TcFilterClaim(programID: record.id, netns: new.netns, netnsInode: key.netnsInode, ifindex: key.ifindex,
                                  egress: egress, priorities: [oldPrio])
        var both = claim
        both.priorities.append(newPref)
        try claims.save(both)
        let handle: UInt32
        do {
            handle = try NetworkNamespace.run(new.netns) {
                try program.withRaw {
                    try NetworkLinks.attachTc(programFD: $0, ifindex: key.ifindex, egress: egress, priority: newPref, handle: record.id)
                }
            }
        } catch let e as KernelError {
            try? claims.save(claim)
            throw BpfmanError(.failedPrecondition, "cannot move TC program \(record.id) to priority \(new.priority) on \(new.iface): \(e.reason)")
        }
        _ = try? NetworkNamespace.run(new.netns) {
            try NetworkLinks.detachTc(ifindex: key.ifindex, egress: egress, priority: oldPrio, handle: oldHandle)
        }
        FaultPoint.hit(.tcFilterDetached)
        var moved = claim
        moved.priorities = [newPref]
        try claims.save(moved)
        let placed = key.move(record.id, to: new.priority, peers: peers)
        r.attachment.tcPriority = newPref
        r.attachment.tcHandle = handle
        r.attachment.position = placed.position
        return placed.moved + [r]
    }
}
