import CBpfShim
import CLibbpf
import Glibc

/// Attaching to network hooks: XDP and TCX bpf_links, legacy tc filters.
public enum NetworkLinks {
    /// XDP attach modes (linux/if_link.h XDP_FLAGS_*).
    public static let xdpFlagsSkb: UInt32 = 1 << 1
    public static let xdpFlagsDrv: UInt32 = 1 << 2
    public static let xdpFlagsHw: UInt32 = 1 << 3

    /// Creates an XDP link; returns the link's descriptor.
    public static func attachXdp(programFD: Int32, ifindex: UInt32, flags: UInt32) throws -> FileDescriptor {
        let fd = bpfman_xdp_link_create(programFD, Int32(ifindex), flags)
        if fd < 0 { throw KernelError("attach XDP link to ifindex \(ifindex)", errno: fd) }
        return FileDescriptor(raw: fd)
    }

    /// Links a loaded extension program into `function` (a dispatcher slot) of
    /// the loaded program `targetFD`. An extension can be linked into several
    /// dispatchers at once, so a new revision runs before the old one goes.
    public static func linkExtension(programFD: Int32, targetFD: Int32, function: String) throws -> FileDescriptor {
        let fd = bpfman_freplace_link_create(programFD, targetFD, function)
        if fd < 0 { throw KernelError("link extension into \(function)", errno: fd) }
        return FileDescriptor(raw: fd)
    }

    /// Where a TCX program goes relative to the programs already there.
    public enum TcxOrder: Sendable, Equatable {
        case last
        case before(programID: UInt32)
        case after(programID: UInt32)
    }

    public static func attachTcx(programFD: Int32, ifindex: UInt32, egress: Bool, order: TcxOrder) throws -> FileDescriptor {
        let (flags, relative): (UInt32, UInt32)
        switch order {
        case .last: (flags, relative) = (0, 0)
        case .before(let id): (flags, relative) = (UInt32(BPFMAN_BPF_F_BEFORE | BPFMAN_BPF_F_ID), id)
        case .after(let id): (flags, relative) = (UInt32(BPFMAN_BPF_F_AFTER | BPFMAN_BPF_F_ID), id)
        }
        let fd = bpfman_tcx_link_create(programFD, Int32(ifindex), egress, flags, relative)
        if fd < 0 { throw KernelError("attach TCX link to ifindex \(ifindex)", errno: fd) }
        return FileDescriptor(raw: fd)
    }

    /// The program ids attached to a TCX hook, in the order the kernel runs
    /// them (BPF_PROG_QUERY); empty when none is.
    public static func tcxPrograms(ifindex: UInt32, egress: Bool) throws -> [UInt32] {
        var ids = [UInt32](repeating: 0, count: 64)
        var count: UInt32 = 0
        let rc = ids.withUnsafeMutableBufferPointer { bpfman_tcx_query(Int32(ifindex), egress, $0.baseAddress, UInt32($0.count), &count) }
        if rc < 0 { throw KernelError("query the TCX programs of ifindex \(ifindex)", errno: rc) }
        return Array(ids.prefix(Int(count)))
    }

    /// Attaches a cls_bpf direct-action filter (creating clsact if missing);
    /// with `handle` 0 the kernel picks the handle. Returns the handle.
    public static func attachTc(programFD: Int32, ifindex: UInt32, egress: Bool, priority: UInt32, handle: UInt32 = 0) throws -> UInt32 {
        var out: UInt32 = 0
        try LibbpfLog.check("attach tc filter to ifindex \(ifindex) at priority \(priority)") {
            bpfman_tc_attach(Int32(ifindex), egress, programFD, priority, handle, &out)
        }
        return out
    }

    /// Detaches the link pinned at `pin` at once and removes the pin. (Only
    /// unpinning would leave the kernel to detach it later, from a workqueue,
    /// so an attach right after could still find the hook taken.) A missing
    /// pin is not an error.
    public static func detachLink(pin: String) throws {
        if let link = try? Pins.open(pin) {
            _ = link.withRaw { bpfman_link_detach($0) }
        }
        try Pins.remove(pin)
    }

    /// Swaps the program behind a link (an XDP link) in one step: no packet sees neither.
    public static func updateLink(_ link: FileDescriptor, programFD: Int32) throws {
        let err = link.withRaw { bpfman_link_update($0, programFD) }
        if err < 0 { throw KernelError("update link to program fd \(programFD)", errno: err) }
    }

    public static func detachTc(ifindex: UInt32, egress: Bool, priority: UInt32, handle: UInt32) throws {
        try LibbpfLog.check("detach tc filter from ifindex \(ifindex)") {
            bpfman_tc_detach(Int32(ifindex), egress, priority, handle)
        }
    }

    /// Makes the interface's clsact qdisc if it has none; returns whether this call made it.
    public static func ensureClsact(ifindex: UInt32) throws -> Bool {
        var created = false
        try LibbpfLog.check("create the clsact qdisc on ifindex \(ifindex)") { bpfman_tc_clsact_ensure(Int32(ifindex), &created) }
        return created
    }

    /// Deletes the interface's clsact qdisc, with every filter on it.
    public static func destroyClsact(ifindex: UInt32) throws {
        try LibbpfLog.check("delete the clsact qdisc on ifindex \(ifindex)") { bpfman_tc_clsact_destroy(Int32(ifindex)) }
    }

    /// How many filters (and filter chains) a clsact hook holds, anyone's;
    /// nil when the hook cannot be read.
    public static func tcFilterCount(ifindex: UInt32, egress: Bool) -> Int? {
        var count: UInt32 = 0
        return bpfman_tc_filter_count(Int32(ifindex), egress, &count) == 0 ? Int(count) : nil
    }

    /// The program id behind a tc filter, or nil if the filter is gone.
    public static func tcFilterProgram(ifindex: UInt32, egress: Bool, priority: UInt32, handle: UInt32) -> UInt32? {
        var id: UInt32 = 0
        return bpfman_tc_query(Int32(ifindex), egress, priority, handle, &id) == 0 ? id : nil
    }

    /// The program behind a pinned link, or nil if the pin is gone.
    public static func linkedProgram(pin: String) -> UInt32? {
        guard let fd = try? Pins.open(pin) else { return nil }
        var info = bpfman_link_info()
        return fd.withRaw { bpfman_link_info_by_fd($0, &info) } == 0 ? info.prog_id : nil
    }
}
