import BpfKernel

/// A program that is loaded and pinned, about to be attached.
struct LoadedProgram {
    let id: UInt32
    let program: BpfProgram
    let paths: BpfmanPaths
    var fd: Int32 { program.fd }
}

extension LoadedProgram {
    /// The attachment of a program on a network hook; with `link`, the link is
    /// pinned at `prog_<id>_link` first.
    func networkAttachment(_ key: NetworkHookKey, position: Int, pinning link: FileDescriptor? = nil) throws -> Attachment {
        var a = Attachment(programPin: paths.programPin(id))
        if let link {
            let pin = paths.linkPin(id)
            try link.withRaw { try Pins.pin(fd: $0, at: pin) }
            a.linkPin = pin
        }
        a.ifindex = key.ifindex
        a.netnsInode = key.netnsInode
        a.position = position
        return a
    }
}

/// What attaching did: the new program's attachment and the peers on the same
/// hook whose records change (their positions, say).
struct HookChange {
    var attachment: Attachment
    var updatedPeers: [ProgramRecord] = []
}

/// Attaches programs of some kinds to their hook and takes them off again.
///
/// This is the seam the dispatcher work replaces for XDP and TC: everything
/// about "many programs on one hook" lives behind it.
protocol ProgramHook: Sendable {
    /// Attaches `program`; `peers` are bpfman's other programs of the same kind.
    func attach(_ program: LoadedProgram, _ info: AttachInfo, peers: [ProgramRecord]) throws -> HookChange
    /// Undoes `attach` for `record`; returns the peers whose records change.
    /// Tolerates kernel objects that are already gone (a deleted netns, say).
    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord]
    /// Changes the attach parameters of an attached program in place (same
    /// program, same maps); returns every record that changes, its own included.
    func update(_ record: ProgramRecord, to info: AttachInfo, peers: [ProgramRecord]) throws -> [ProgramRecord]
    /// Work on the program before it is loaded (the dispatcher makes it an
    /// extension); the result is kept open until the load is done.
    func prepareLoad(_ program: BpfProgram) throws -> FileDescriptor?
}

extension ProgramHook {
    func prepareLoad(_ program: BpfProgram) throws -> FileDescriptor? { nil }

    func update(_ record: ProgramRecord, to info: AttachInfo, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        throw BpfmanError.invalid("a \(record.kind.rawValue) program has no priority or proceed-on to change; unload it and load it again")
    }
}
