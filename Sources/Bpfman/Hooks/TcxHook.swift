import BpfKernel

/// TCX (kernel ≥ 6.6): one pinned bpf_link per program; the kernel keeps the
/// order, and bpfman places each newcomer before or after a neighbour by
/// priority (`HookOrdering`).
struct TcxHook: ProgramHook {
    func attach(_ p: LoadedProgram, _ info: AttachInfo, peers: [ProgramRecord]) throws -> HookChange {
        guard case .tcx(let t) = info else { preconditionFailure("TcxHook given \(info.kind)") }
        let ifindex = try InterfaceResolver.ifindex(t.iface, netns: t.netns)
        let key = NetworkHookKey(netnsInode: InterfaceResolver.netnsInode(t.netns), ifindex: ifindex, direction: t.direction)
        let placed = key.insert(priority: t.priority, peers: peers)
        let link: FileDescriptor
        do {
            link = try NetworkNamespace.run(t.netns) {
                try NetworkLinks.attachTcx(programFD: p.fd, ifindex: ifindex, egress: t.direction == .egress, order: placed.order)
            }
        } catch let e as KernelError {
            throw BpfmanError(.failedPrecondition,
                "cannot attach TCX program \(p.id) to \(t.iface) \(t.direction.rawValue): \(e.reason) (TCX needs kernel 6.6 or later)")
        }
        let a = try p.networkAttachment(key, position: placed.position, pinning: link)
        return HookChange(attachment: a, updatedPeers: placed.moved)
    }

    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        if let pin = record.attachment.linkPin { try Pins.remove(pin) }
        guard let key = NetworkHookKey(record) else { return [] }
        return key.remove(record.id, peers: peers)
    }
}
