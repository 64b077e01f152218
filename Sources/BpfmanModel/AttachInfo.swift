/// Where and how a program is attached: one case per program type, with
/// upstream's parameters.
public enum AttachInfo: Codable, Equatable, Sendable {
    case xdp(Xdp)
    case tc(Tc)
    case tcx(Tcx)
    case tracepoint(Tracepoint)
    case kprobe(Kprobe)
    case uprobe(Uprobe)
    case fentry(Fentry)
    case fexit(Fexit)

    public struct Xdp: Codable, Equatable, Sendable {
        public var iface: String
        public var priority: Int32
        public var proceedOn: [XdpAction]
        public var netns: String?
        public init(iface: String, priority: Int32, proceedOn: [XdpAction] = [], netns: String? = nil) {
            self.iface = iface; self.priority = priority; self.proceedOn = proceedOn; self.netns = netns
        }
    }

    public struct Tc: Codable, Equatable, Sendable {
        public var iface: String
        public var priority: Int32
        public var direction: TcDirection
        public var proceedOn: [TcAction]
        public var netns: String?
        public init(iface: String, priority: Int32, direction: TcDirection, proceedOn: [TcAction] = [], netns: String? = nil) {
            self.iface = iface; self.priority = priority; self.direction = direction
            self.proceedOn = proceedOn; self.netns = netns
        }
    }

    public struct Tcx: Codable, Equatable, Sendable {
        public var iface: String
        public var priority: Int32
        public var direction: TcDirection
        public var netns: String?
        public init(iface: String, priority: Int32, direction: TcDirection, netns: String? = nil) {
            self.iface = iface; self.priority = priority; self.direction = direction; self.netns = netns
        }
    }

    public struct Tracepoint: Codable, Equatable, Sendable {
        /// `category/name`, e.g. `syscalls/sys_enter_openat`.
        public var tracepoint: String
        public init(tracepoint: String) { self.tracepoint = tracepoint }
    }

    public struct Kprobe: Codable, Equatable, Sendable {
        public var fnName: String
        public var offset: UInt64
        public var retprobe: Bool
        public var containerPid: Int32?
        public init(fnName: String, offset: UInt64 = 0, retprobe: Bool = false, containerPid: Int32? = nil) {
            self.fnName = fnName; self.offset = offset; self.retprobe = retprobe; self.containerPid = containerPid
        }
    }

    public struct Uprobe: Codable, Equatable, Sendable {
        public var fnName: String?
        public var offset: UInt64
        /// A library name such as `libc`, or an absolute path.
        public var target: String
        public var retprobe: Bool
        public var pid: Int32?
        public var containerPid: Int32?
        public init(fnName: String?, offset: UInt64 = 0, target: String, retprobe: Bool = false,
                    pid: Int32? = nil, containerPid: Int32? = nil) {
            self.fnName = fnName; self.offset = offset; self.target = target; self.retprobe = retprobe
            self.pid = pid; self.containerPid = containerPid
        }
    }

    public struct Fentry: Codable, Equatable, Sendable {
        public var fnName: String
        public init(fnName: String) { self.fnName = fnName }
    }

    public struct Fexit: Codable, Equatable, Sendable {
        public var fnName: String
        public init(fnName: String) { self.fnName = fnName }
    }

    public var kind: ProgramKind {
        switch self {
        case .xdp: .xdp
        case .tc: .tc
        case .tcx: .tcx
        case .tracepoint: .tracepoint
        case .kprobe: .kprobe
        case .uprobe: .uprobe
        case .fentry: .fentry
        case .fexit: .fexit
        }
    }

    /// The network namespace path of XDP/TC/TCX attachments.
    public var netns: String? {
        switch self {
        case .xdp(let x): x.netns
        case .tc(let t): t.netns
        case .tcx(let t): t.netns
        default: nil
        }
    }
}
