/// One network hook (XDP, TC or TCX on an interface, in a netns, a
/// direction) as `bpfman dispatcher list|get` shows it: how programs are
/// chained there and which runs in which position.
public struct HookView: Codable, Sendable, Equatable {
    /// How the hook runs several programs.
    public enum Mode: String, Codable, Sendable {
        /// XDP without a dispatcher: the kernel takes one program per interface.
        case single = "single program (no dispatcher)"
        /// TC without a dispatcher: one cls_bpf filter per program, by priority; only TC_ACT_UNSPEC continues.
        case filterChain = "cls_bpf filter chain (no dispatcher)"
        /// TCX: the kernel's own multi-program ordering.
        case tcx = "tcx (kernel multi-program)"
        /// XDP or TC through a dispatcher: programs linked into its slots as extensions.
        case dispatcher = "dispatcher (freplace)"
    }

    public struct Slot: Codable, Sendable, Equatable {
        public var position: Int
        public var programID: UInt32
        public var name: String
        public var priority: Int32
        public var proceedOn: [String]
    }

    public var type: String
    public var iface: String
    public var ifindex: UInt32
    public var netns: String?
    public var netnsInode: UInt64
    public var direction: TcDirection?
    public var mode: Mode
    /// The dispatcher revision; nil when the hook has no dispatcher.
    public var revision: UInt32?
    public var slots: [Slot]

    /// Groups records into hooks, slots in position order (pure).
    public static func hooks(from records: [ProgramRecord]) -> [HookView] {
        struct Key: Hashable { var type: String; var netns: UInt64; var ifindex: UInt32; var direction: TcDirection? }
        var hooks: [Key: HookView] = [:]
        for r in records {
            guard let ifindex = r.attachment.ifindex, let ino = r.attachment.netnsInode else { continue }
            let (type, iface, direction, priority, proceed, mode, netns): (String, String, TcDirection?, Int32, [String], Mode, String?)
            switch r.attach {
            case .xdp(let x): (type, iface, direction, priority, proceed, mode, netns) = ("xdp", x.iface, nil, x.priority, x.proceedOn.map(\.name), .single, x.netns)
            case .tc(let t): (type, iface, direction, priority, proceed, mode, netns) = ("tc", t.iface, t.direction, t.priority, t.proceedOn.map(\.name), .filterChain, t.netns)
            case .tcx(let t): (type, iface, direction, priority, proceed, mode, netns) = ("tcx", t.iface, t.direction, t.priority, [], .tcx, t.netns)
            default: continue
            }
            let key = Key(type: type, netns: ino, ifindex: ifindex, direction: direction)
            let revision = r.attachment.dispatcherRevision
            var h = hooks[key] ?? HookView(type: type, iface: iface, ifindex: ifindex, netns: netns, netnsInode: ino,
                                           direction: direction, mode: revision == nil ? mode : .dispatcher, revision: revision, slots: [])
            h.slots.append(Slot(position: r.attachment.position ?? 0, programID: r.id, name: r.name, priority: priority, proceedOn: proceed))
            hooks[key] = h
        }
        return hooks.values.map { h in
            var s = h
            s.slots.sort { ($0.position, $0.programID) < ($1.position, $1.programID) }
            return s
        }.sorted { ($0.type, $0.netnsInode, $0.ifindex, $0.direction?.rawValue ?? "") < ($1.type, $1.netnsInode, $1.ifindex, $1.direction?.rawValue ?? "") }
    }
}

extension ProgramManager {
    /// Every network hook bpfman has programs on.
    public func hooks() throws -> [HookView] { HookView.hooks(from: try store.records()) }
}
