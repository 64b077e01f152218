/// Checks of a load request that need nothing but the request itself.
public enum RequestValidator {
    public static func validate(_ r: LoadRequest) throws {
        guard !r.name.isEmpty else { throw BpfmanError.invalid("the program's function name is empty (--name)") }
        for key in r.metadata.keys where key.isEmpty {
            throw BpfmanError.invalid("metadata has an empty key")
        }
        try validateAttach(r.attach)
    }

    public static func validateAttach(_ attach: AttachInfo) throws {
        switch attach {
        case .xdp(let x): try iface(x.iface); try priority(x.priority, "XDP")
        case .tc(let t): try iface(t.iface); try priority(t.priority, "TC")
        case .tcx(let t): try iface(t.iface); try priority(t.priority, "TCX")
        case .tracepoint(let t): _ = try ProbeHook.splitTracepoint(t.tracepoint)
        case .kprobe(let k):
            guard !k.fnName.isEmpty else { throw BpfmanError.invalid("kprobe needs a kernel function name (--fn-name)") }
            if k.retprobe && k.offset != 0 { throw BpfmanError.invalid("offset not allowed for kretprobe (got \(k.offset))") }
            if k.containerPid != nil { throw BpfmanError.invalid("kprobe container option not supported: kprobes see the whole kernel") }
        case .uprobe(let u):
            guard !u.target.isEmpty else { throw BpfmanError.invalid("uprobe needs a target: a library name such as libc, or a path (--target)") }
            if let p = u.containerPid, p <= 0 { throw BpfmanError.invalid("uprobe container pid must be a process id above 0 (got \(p))") }
        case .fentry(let f):
            guard !f.fnName.isEmpty else { throw BpfmanError.invalid("fentry needs a kernel function name (--fn-name)") }
        case .fexit(let f):
            guard !f.fnName.isEmpty else { throw BpfmanError.invalid("fexit needs a kernel function name (--fn-name)") }
        }
    }

    /// The range the CRDs allow (0 to 1000; lower runs first).
    public static let priorities: ClosedRange<Int32> = 0...1000

    static func priority(_ p: Int32, _ kind: String) throws {
        guard priorities.contains(p) else {
            throw BpfmanError.invalid("\(kind) priority \(p) is out of range: use \(priorities.lowerBound) to \(priorities.upperBound) (lower runs first)")
        }
    }

    static func iface(_ name: String) throws {
        guard !name.isEmpty else { throw BpfmanError.invalid("interface name is empty (--iface)") }
        guard name.utf8.count < 16, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
            throw BpfmanError.invalid("\"\(name)\" is not a valid interface name")
        }
    }
}
