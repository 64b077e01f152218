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
                "cannot attach TCX program \(p.program.name) to \(t.iface) \(t.direction.rawValue): \(e.reason) (TCX needs kernel 6.6 or later)")
        }
        let a = try p.networkAttachment(key, position: placed.position, pinning: link)
        return HookChange(attachment: a, updatedPeers: placed.moved)
    }

    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        if let pin = record.attachment.linkPin { try Pins.remove(pin) }
        guard let key = NetworkHookKey(record) else { return [] }
        return key.remove(record.id, peers: peers)
    }

    /// A new priority: the link goes and comes back at its new place. The
    /// kernel takes a program only once per TCX hook, so the moved program
    /// misses the packets of that moment; the others run throughout.
    func update(_ record: ProgramRecord, to info: AttachInfo, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        guard case .tcx(let old) = record.attach, case .tcx(let new) = info, let key = NetworkHookKey(record),
              let pin = record.attachment.linkPin else {
            throw BpfmanError(.internal, "program \(record.id) has no TCX link on record")
        }
        var r = record
        r.attach = info
        guard new.priority != old.priority else { return [r] }
        let placed = key.move(record.id, to: new.priority, peers: peers)
        let program = try Pins.open(record.attachment.programPin)
        func link(_ order: NetworkLinks.TcxOrder) throws {
            try Self.link(program, new, key: key, order: order, pin: pin)
        }
        try NetworkLinks.detachLink(pin: pin)
        // A crash here leaves the record without its link: `TcxLinkRepair`
        // attaches it again where the record (the old priority) says.
        FaultPoint.hit(.tcxLinkDetached)
        do {
            try link(placed.order)
        } catch {
            try? link(key.move(record.id, to: old.priority, peers: peers).order)
            throw BpfmanError(.failedPrecondition, "cannot move TCX program \(record.id) to priority \(new.priority) on \(new.iface): \(error)")
        }
        r.attachment.position = placed.position
        return placed.moved + [r]
    }

    /// Attaches `program` to the TCX hook `key` at `order` and pins the link at `pin`.
    static func link(_ program: FileDescriptor, _ info: AttachInfo.Tcx, key: NetworkHookKey, order: NetworkLinks.TcxOrder, pin: String) throws {
        let l = try NetworkNamespace.run(info.netns) {
            try program.withRaw { try NetworkLinks.attachTcx(programFD: $0, ifindex: key.ifindex, egress: info.direction == .egress, order: order) }
        }
        try l.withRaw { try Pins.pin(fd: $0, at: pin) }
    }
}
