import BpfKernel
import FoundationEssentials
import Glibc
import Logging

/// The clsact qdiscs bpfman made to hold its tc filters: one claim file per
/// interface in `<state>/qdiscs`, written before the qdisc is made, so a
/// crash cannot leave one bpfman made unclaimed. A claimed qdisc goes again
/// once it holds no filter at all, in either direction; a qdisc that was
/// there before bpfman came stays. A claim a crash left for a qdisc someone
/// else made (between the claim and finding the qdisc there) costs nothing
/// that works: such a qdisc is removed only when it is empty, so nothing
/// anyone attached goes with it. Used under the program store's lock.
struct ClsactQdiscs: Sendable {
    let directory: String

    init(stateDirectory: String) { directory = stateDirectory + "/qdiscs" }

    /// One claimed qdisc: the interface, in its namespace as it was when claimed.
    struct Claim: Codable, Equatable, Sendable {
        var netns: String?
        var netnsInode: UInt64
        var ifindex: UInt32
    }

    private func path(_ c: Claim) -> String { "\(directory)/\(c.netnsInode)-\(c.ifindex).json" }

    /// Makes sure the interface has a clsact qdisc before a filter goes on
    /// it, claiming the qdisc when this call makes it. Call inside the
    /// interface's namespace.
    func ensure(_ claim: Claim) throws {
        let file = path(claim)
        let claimed = FileManager.default.fileExists(atPath: file)
        if !claimed { try AtomicFile.write(try RecordCoding.encode(claim), to: file, mode: 0o600, durable: false) }
        let created: Bool
        do { created = try NetworkLinks.ensureClsact(ifindex: claim.ifindex) } catch {
            if !claimed { drop(claim) }
            throw error
        }
        if !claimed && !created { drop(claim) }
    }

    /// Puts a cls_bpf filter running `programFD` on the claim's interface,
    /// after `ensure`: every tc filter bpfman makes goes on this way. Call
    /// inside the interface's namespace; returns the filter's handle.
    func attachFilter(_ claim: Claim, programFD: Int32, egress: Bool, priority: UInt32, handle: UInt32) throws -> UInt32 {
        try ensure(claim)
        return try NetworkLinks.attachTc(programFD: programFD, ifindex: claim.ifindex, egress: egress, priority: priority, handle: handle)
    }

    /// Removes the claimed qdisc on the interface if it holds no filter; a
    /// claim whose namespace, interface or qdisc is gone is dropped. Returns
    /// whether it removed a qdisc.
    @discardableResult
    func release(_ claim: Claim, logger: Logger? = nil) -> Bool {
        guard FileManager.default.fileExists(atPath: path(claim)) else { return false }
        guard TcFilterRepair.sameNamespace(claim.netns, inode: claim.netnsInode) else {
            drop(claim)
            return false
        }
        // nil: no qdisc to read or remove (the interface, or the qdisc, is gone).
        let outcome = try? NetworkNamespace.run(claim.netns) { () throws -> Bool? in
            guard let ingress = NetworkLinks.tcFilterCount(ifindex: claim.ifindex, egress: false),
                  let egress = NetworkLinks.tcFilterCount(ifindex: claim.ifindex, egress: true) else { return nil }
            guard ingress + egress == 0 else { return false }
            try NetworkLinks.destroyClsact(ifindex: claim.ifindex)
            return true
        }
        if outcome == false { return false }
        drop(claim)
        if outcome == true {
            logger?.info("removed the clsact qdisc bpfman made, now that no filter is on it", metadata: [
                "ifindex": "\(claim.ifindex)", "netns": "\(claim.netns ?? "-")"])
        }
        return outcome == true
    }

    /// Releases every claimed qdisc that is empty (after a crash, or filters
    /// the repair pass removed); returns whether it removed one.
    func releaseUnused(logger: Logger) -> Bool {
        // Read as every record directory is; the quarantine is never used, an unreadable claim is only removed.
        let scan = RecordFiles<Claim>(directory: directory, quarantineDirectory: directory).scan()
        for bad in scan.unreadable {
            logger.warning("removed an unreadable clsact qdisc claim; its qdisc, if any, stays", metadata: ["file": "\(bad.file)"])
            unlink(bad.file)
        }
        var removed = false
        for (_, claim) in scan.records { removed = release(claim, logger: logger) || removed }
        return removed
    }

    private func drop(_ claim: Claim) {
        unlink(path(claim))
    }
}
