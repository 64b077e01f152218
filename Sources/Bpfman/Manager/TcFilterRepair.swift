import BpfKernel
import Logging

/// Removes the cls_bpf filters bpfman claimed (`TcFilterClaim`) that no
/// record accounts for: a load cut short after the attach, a priority change
/// cut short between its two filters, a record set aside as unreadable.
/// A filter is removed only where its claim says, with the claim's handle,
/// and only while it still runs the claim's program.
struct TcFilterRepair {
    let claims: ClaimStore
    let logger: Logger

    /// Repairs against `records`; returns true when it changed something.
    func run(records: [ProgramRecord]) throws -> Bool {
        let (all, setAside) = try claims.claims()
        for bad in setAside {
            logger.error("set aside an unreadable tc filter claim", metadata: ["file": "\(bad.file)", "moved to": "\(bad.movedTo ?? "-")", "reason": "\(bad.reason)"])
        }
        var changed = !setAside.isEmpty
        for claim in all {
            let record = records.first { $0.id == claim.programID && $0.kind == .tc }
            let kept = record?.attachment.tcPriority
            var remaining: [UInt32] = []
            for priority in claim.priorities {
                if priority == kept { remaining.append(priority); continue }
                if Self.removeFilter(claim, priority: priority) {
                    logger.warning("removed a tc filter no record accounts for", metadata: [
                        "program": "\(claim.programID)", "ifindex": "\(claim.ifindex)", "netns": "\(claim.netns ?? "-")",
                        "direction": "\(claim.egress ? "egress" : "ingress")", "priority": "\(priority)"])
                }
                changed = true
            }
            if remaining.isEmpty {
                try claims.delete(claim.programID)
            } else if remaining != claim.priorities {
                var c = claim
                c.priorities = remaining
                try claims.save(c)
            }
        }
        return changed
    }

    /// Removes the claimed filter at `priority` if it is still there and still
    /// runs the claim's program; returns whether it removed one.
    static func removeFilter(_ claim: TcFilterClaim, priority: UInt32) -> Bool {
        guard sameNamespace(claim.netns, inode: claim.netnsInode) else { return false }
        let removed = try? NetworkNamespace.run(claim.netns) { () throws -> Bool in
            guard NetworkLinks.tcFilterProgram(ifindex: claim.ifindex, egress: claim.egress, priority: priority,
                                               handle: claim.handle) == claim.programID else { return false }
            try NetworkLinks.detachTc(ifindex: claim.ifindex, egress: claim.egress, priority: priority, handle: claim.handle)
            return true
        }
        return removed ?? false
    }

    /// Whether `netns` (nil: bpfman's own) is still the namespace whose inode
    /// was recorded; when it is gone, or is another one now, so is any filter in it.
    static func sameNamespace(_ netns: String?, inode: UInt64) -> Bool {
        if let netns { return Pins.exists(netns) && NetworkNamespace.inode(netns) == inode }
        return NetworkNamespace.inode(nil) == inode
    }
}
