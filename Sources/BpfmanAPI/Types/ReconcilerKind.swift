/// The agent's 14 reconcilers and what upstream names after each: the type
/// string in `BpfProgram.spec.type`, the finalizer, and the prefix of the
/// per-kind annotations (operator spec §3.4).
public enum ReconcilerKind: String, CaseIterable, Sendable {
    case xdp, tc, tcx, tracepoint, kprobe, uprobe, fentry, fexit, application
    case xdpNs, tcNs, tcxNs, uprobeNs, nsApplication

    /// `spec.type` of the BpfPrograms this reconciler writes.
    public var typeString: String {
        switch self {
        case .xdp, .xdpNs: "xdp"
        case .tc, .tcNs: "tc"
        case .tcx, .tcxNs: "tcx"
        case .uprobe, .uprobeNs: "uprobe"
        case .tracepoint: "tracepoint"
        case .kprobe: "kprobe"
        case .fentry: "fentry"
        case .fexit: "fexit"
        case .application, .nsApplication: "application"
        }
    }

    /// The controller name inside finalizers and annotations.
    public var controllerName: String {
        switch self {
        case .application: "bpfapplicationcontroller"
        case .nsApplication: "bpfnsapplicationcontroller"
        case .xdpNs: "xdpnsprogramcontroller"
        case .tcNs: "tcnsprogramcontroller"
        case .tcxNs: "tcxnsprogramcontroller"
        case .uprobeNs: "uprobensprogramcontroller"
        default: "\(rawValue)programcontroller"
        }
    }

    public var finalizer: String { "bpfman.io.\(controllerName)/finalizer" }

    /// Annotation key `bpfman.io.<controller>/<name>`.
    public func annotation(_ name: String) -> String { "bpfman.io.\(controllerName)/\(name)" }

    /// Whether it writes namespaced BpfNsPrograms.
    public var isNamespaced: Bool { [.xdpNs, .tcNs, .tcxNs, .uprobeNs, .nsApplication].contains(self) }
}
