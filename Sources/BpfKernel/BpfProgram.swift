import CBpfShim
import CLibbpf
import Glibc

/// One program inside a `BpfObject`.
public struct BpfProgram {
    let raw: OpaquePointer
    /// Keeps the object alive while the program is used.
    let object: BpfObject

    public var name: String { String(cString: bpf_program__name(raw)) }
    public var sectionName: String { String(cString: bpf_program__section_name(raw)) }
    public var type: UInt32 { bpf_program__type(raw).rawValue }
    public var expectedAttachType: UInt32 { bpf_program__expected_attach_type(raw).rawValue }
    public var fd: Int32 { bpf_program__fd(raw) }

    public func setAutoload(_ on: Bool) { _ = bpf_program__set_autoload(raw, on) }

    /// Points an fentry/fexit program at a kernel function (before load).
    public func setAttachTarget(function: String) throws {
        try LibbpfLog.check("set attach target \(function)") { bpf_program__set_attach_target(raw, 0, function) }
    }

    /// Makes this program a BPF extension (freplace) of `function` in the loaded program `targetFD` (before load).
    public func setExtensionTarget(programFD targetFD: Int32, function: String) throws {
        try LibbpfLog.check("set program type EXT") { bpf_program__set_type(raw, BPF_PROG_TYPE_EXT) }
        // The kernel refuses an extension with an expected attach type (SEC("xdp") sets one).
        try LibbpfLog.check("clear expected attach type") { bpf_program__set_expected_attach_type(raw, bpf_attach_type(rawValue: 0)) }
        try LibbpfLog.check("set freplace target \(function)") { bpf_program__set_attach_target(raw, targetFD, function) }
    }

    /// Replaces `function` in the loaded program `targetFD` with this extension.
    public func attachFreplace(programFD targetFD: Int32, function: String) throws -> BpfLink {
        try BpfLink.make("freplace \(function)") { bpf_program__attach_freplace(raw, targetFD, function) }
    }

    public func attachTracepoint(category: String, name: String) throws -> BpfLink {
        try BpfLink.make("attach tracepoint \(category)/\(name)") {
            bpf_program__attach_tracepoint(raw, category, name)
        }
    }

    public func attachKprobe(function: String, offset: UInt64, retprobe: Bool) throws -> BpfLink {
        try BpfLink.make("attach \(retprobe ? "kretprobe" : "kprobe") to \(function)+\(offset)") {
            bpfman_attach_kprobe(raw, function, offset, retprobe)
        }
    }

    public func attachUprobe(binary: String, function: String?, offset: UInt64, pid: Int32?,
                             retprobe: Bool) throws -> BpfLink {
        let what = "attach \(retprobe ? "uretprobe" : "uprobe") to \(binary):\(function ?? "")+\(offset)"
        return try BpfLink.make(what) {
            bpfman_attach_uprobe(raw, pid ?? -1, binary, function, offset, retprobe)
        }
    }

    public func attachTrace() throws -> BpfLink {
        try BpfLink.make("attach tracing program \(name)") { bpf_program__attach_trace(raw) }
    }
}

/// BPF program types and attach types bpfman cares about (values from linux/bpf.h).
public enum BpfProgramTypeID {
    public static let socketFilter: UInt32 = 1
    public static let kprobe: UInt32 = 2
    public static let schedCls: UInt32 = 3
    public static let tracepoint: UInt32 = 5
    public static let xdp: UInt32 = 6
    public static let tracing: UInt32 = 26
    public static let ext: UInt32 = 28

    public static let attachTraceFentry: UInt32 = 24
    public static let attachTraceFexit: UInt32 = 25

    /// Kernel program type names as bpftool prints them, indexed by value.
    public static let names: [String] = [
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
        "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops",
        "sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local",
        "lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable",
        "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm", "sk_lookup", "syscall", "netfilter",
    ]

    public static func name(_ type: UInt32) -> String {
        Int(type) < names.count ? names[Int(type)] : "type \(type)"
    }
}
