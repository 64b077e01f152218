import BpfKernel
import Logging

/// Attaches again the TC programs whose record names a filter the kernel no
/// longer has, on a hook that is still there: a priority move cut short after
/// the old filter went but before the record of the new one was written
/// (`TcFilterRepair` then removes the new filter, which no record accounts
/// for). The move was never acknowledged, so the program goes back where its
/// record says. Also puts back a filter someone removed by hand.
struct TcFilterRestore {
    let claims: ClaimStore
    let qdiscs: ClsactQdiscs
    let logger: Logger

    /// Repairs against `records`; returns true when it changed something.
    func run(records: [ProgramRecord]) throws -> Bool {
        var changed = false
        for record in records where record.kind == .tc {
            guard case .tc(let t) = record.attach, let key = NetworkHookKey(record),
                  let priority = record.attachment.tcPriority, let handle = record.attachment.tcHandle,
                  TcFilterRepair.sameNamespace(t.netns, inode: key.netnsInode) else { continue }
            let egress = t.direction == .egress
            // Missing from a hook that is still there: the interface is in the namespace, the filter is not.
            let missing = try? NetworkNamespace.run(t.netns) { () -> Bool in
                NetworkNamespace.interfaceIndex(t.iface) == key.ifindex
                    && NetworkLinks.tcFilterProgram(ifindex: key.ifindex, egress: egress, priority: priority, handle: handle) == nil
            }
            guard missing == true else { continue }
            changed = true
            let hadClaim = claims.claim(record.id) != nil
            do {
                try claims.save(TcFilterClaim(programID: record.id, netns: t.netns, netnsInode: key.netnsInode, ifindex: key.ifindex,
                                              egress: egress, priorities: [priority]))
                let program = try Pins.open(record.attachment.programPin)
                let qdisc = ClsactQdiscs.Claim(netns: t.netns, netnsInode: key.netnsInode, ifindex: key.ifindex)
                _ = try NetworkNamespace.run(t.netns) {
                    try program.withRaw { try qdiscs.attachFilter(qdisc, programFD: $0, egress: egress, priority: priority, handle: handle) }
                }
                logger.warning("attached a TC program again whose filter was gone", metadata: [
                    "program": "\(record.id)", "iface": "\(t.iface)", "direction": "\(t.direction.rawValue)", "priority": "\(priority)"])
            } catch {
                if !hadClaim { try? claims.delete(record.id) }
                logger.error("a TC program lost its filter and cannot be attached again; unload it or load it anew", metadata: [
                    "program": "\(record.id)", "iface": "\(t.iface)", "error": "\(error)"])
            }
        }
        return changed
    }
}
