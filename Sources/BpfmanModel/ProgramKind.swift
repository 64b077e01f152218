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
}
