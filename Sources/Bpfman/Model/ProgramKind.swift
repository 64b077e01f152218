/// The program types bpfman loads and attaches.
public enum ProgramKind: String, Codable, CaseIterable, Sendable {
    case xdp, tc, tcx, tracepoint, kprobe, uprobe, fentry, fexit

    /// bpfman's "kind" number (a kernel program type), as upstream reports it:
    /// TCX counts as tc, uprobes as probe, fentry/fexit as tracing.
    public var bpfmanKind: UInt32 {
        switch self {
        case .xdp: 6
        case .tc, .tcx: 3
        case .tracepoint: 5
        case .kprobe, .uprobe: 2
        case .fentry, .fexit: 26
        }
    }

    /// The kind's name in `bpfman list` (`xdp`, `tc`, `tracepoint`, `probe`, `tracing`).
    public var kindName: String {
        switch self {
        case .xdp: "xdp"
        case .tc, .tcx: "tc"
        case .tracepoint: "tracepoint"
        case .kprobe, .uprobe: "probe"
        case .fentry, .fexit: "tracing"
        }
    }

    /// `bpfman list -p` names (kebab-case kernel program types) and their numbers.
    public static let listTypeNames: [String: UInt32] = [
        "unspec": 0, "socket-filter": 1, "probe": 2, "kprobe": 2, "tc": 3, "sched-act": 4, "tracepoint": 5,
        "xdp": 6, "perf-event": 7, "cgroup-skb": 8, "cgroup-sock": 9, "lwt-in": 10, "lwt-out": 11,
        "lwt-xmit": 12, "sock-ops": 13, "sk-skb": 14, "cgroup-device": 15, "sk-msg": 16,
        "raw-tracepoint": 17, "cgroup-sock-addr": 18, "lwt-seg6local": 19, "lirc-mode2": 20,
        "sk-reuseport": 21, "flow-dissector": 22, "cgroup-sysctl": 23, "raw-tracepoint-writable": 24,
        "cgroup-sockopt": 25, "tracing": 26, "struct-ops": 27, "ext": 28, "lsm": 29, "sk-lookup": 30,
        "syscall": 31, "netfilter": 32,
    ]
}
