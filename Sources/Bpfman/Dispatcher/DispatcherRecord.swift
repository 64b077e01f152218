import BpfKernel

/// One XDP or TC hook that a dispatcher runs: where it is, the revision
/// attached now, and the revision a swap is building. The pending revision is
/// written before any kernel object of a swap is made and cleared when the
/// swap is done, so a crash in between is seen by the next operation and
/// repaired (`DispatcherRepair`).
public struct DispatcherRecord: Codable, Equatable, Sendable {
    public var hook: DispatcherConfig.Hook
    public var iface: String
    public var ifindex: UInt32
    public var netns: String?
    public var netnsInode: UInt64
    public var direction: TcDirection?
    /// XDP: the mode the interface link was made in (kept by every later swap).
    public var xdpMode: XdpMode?
    /// The revision attached now; nil until the first swap is done.
    public var revision: UInt32?
    /// The revision a swap in progress is building.
    public var pending: UInt32?

    /// The TC filter priority (pref) of every TC dispatcher, as upstream.
    public static let tcPriority: UInt32 = 50

    init(hook: DispatcherConfig.Hook, iface: String, ifindex: UInt32, netns: String?, netnsInode: UInt64, direction: TcDirection?) {
        self.hook = hook; self.iface = iface; self.ifindex = ifindex; self.netns = netns
        self.netnsInode = netnsInode; self.direction = direction
    }

    var key: NetworkHookKey { NetworkHookKey(netnsInode: netnsInode, ifindex: ifindex, direction: direction) }
    var kind: ProgramKind { hook == .xdp ? .xdp : .tc }

    /// The record's file name in `<state>/dispatchers`.
    var fileName: String {
        switch hook {
        case .xdp: "xdp_\(netnsInode)_\(ifindex).json"
        case .tc: "tc-\((direction ?? .ingress).rawValue)_\(netnsInode)_\(ifindex).json"
        }
    }

    func pins(_ root: String) -> DispatcherPins {
        DispatcherPins(root: root, hook: hook, direction: direction, netnsInode: netnsInode, ifindex: ifindex)
    }

    /// "the XDP hook of eth0" / "the TC egress hook of eth0 in /var/run/netns/x", for messages.
    var description: String {
        let what = hook == .xdp ? "XDP" : "TC \((direction ?? .ingress).rawValue)"
        return "the \(what) hook of \(iface)\(netns.map { " in \($0)" } ?? "")"
    }

    /// bpfman's programs of this hook among `records`.
    func members(of records: [ProgramRecord]) -> [ProgramRecord] {
        records.filter { $0.kind == kind && NetworkHookKey($0) == key }
    }
}
