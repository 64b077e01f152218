import BpfKernel
import Glibc

/// XDP, one program per interface through a pinned bpf_link. Modes drv and hw
/// fall back to skb when the driver refuses. (Many programs per interface come
/// with the dispatcher, behind the same `ProgramHook` seam.)
struct XdpHook: ProgramHook {
    /// The configured mode for an interface (`[interfaces.<name>] xdp_mode`).
    var mode: @Sendable (String) -> XdpMode
    /// Whether the kernel takes extension programs (why an XDP hook holds one program).
    var freplace: @Sendable () -> FreplaceProbe.Outcome

    func attach(_ p: LoadedProgram, _ info: AttachInfo, peers: [ProgramRecord]) throws -> HookChange {
        guard case .xdp(let x) = info else { preconditionFailure("XdpHook given \(info.kind)") }
        let ifindex = try InterfaceResolver.ifindex(x.iface, netns: x.netns)
        let key = NetworkHookKey(netnsInode: InterfaceResolver.netnsInode(x.netns), ifindex: ifindex, direction: nil)
        if let holder = key.members(of: peers).first {
            let why: String
            switch freplace() {
            case .refused(let reason): why = "without BPF extension (freplace) programs an XDP hook takes one program (\(reason))"
            case .supported: why = "this bpfman attaches XDP without the dispatcher"
            }
            throw BpfmanError(.failedPrecondition,
                "interface \(x.iface) already has bpfman XDP program \(holder.record.id) (\(holder.record.name)); \(why) — unload it first")
        }
        let (link, used) = try Self.attachLink(programFD: p.fd, ifindex: ifindex, netns: x.netns, iface: x.iface,
                                               wanted: mode(x.iface), what: "XDP program \(p.program.name)")
        var a = try p.networkAttachment(key, position: 0, pinning: link)
        a.xdpMode = used
        return HookChange(attachment: a)
    }

    /// An XDP link for `programFD` on the interface, in the wanted mode or,
    /// where the driver refuses that, in skb mode. Returns the link and the mode used.
    static func attachLink(programFD: Int32, ifindex: UInt32, netns: String?, iface: String, wanted: XdpMode,
                           what: String) throws -> (FileDescriptor, XdpMode) {
        var attempts: [XdpMode] = [wanted]
        if wanted != .skb { attempts.append(.skb) }
        var lastError: KernelError?
        for m in attempts {
            do {
                let link = try NetworkNamespace.run(netns) {
                    try NetworkLinks.attachXdp(programFD: programFD, ifindex: ifindex, flags: Self.flags(m))
                }
                return (link, m)
            } catch let e as KernelError {
                lastError = e
                if e.errno == EBUSY || e.errno == EEXIST {
                    throw BpfmanError(.failedPrecondition,
                        "interface \(iface) already has an XDP program attached by something other than bpfman: \(e.reason)")
                }
            }
        }
        throw BpfmanError(.failedPrecondition,
            "cannot attach \(what) to \(iface) in mode \(wanted.rawValue) or skb: \(lastError?.reason ?? "unknown error")")
    }

    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        if let pin = record.attachment.linkPin { try Pins.remove(pin) }
        return []
    }

    /// Alone on its hook, the program's priority and proceed-on change nothing in the kernel.
    func update(_ record: ProgramRecord, to info: AttachInfo, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        var r = record
        r.attach = info
        return [r]
    }

    static func flags(_ mode: XdpMode) -> UInt32 {
        switch mode {
        case .skb: NetworkLinks.xdpFlagsSkb
        case .drv: NetworkLinks.xdpFlagsDrv
        case .hw: NetworkLinks.xdpFlagsHw
        }
    }
}
