import BpfKernel
import FoundationEssentials
import Glibc
import Logging

/// Carries out a `DispatcherPlan` on one hook: loads the new revision, links
/// every member into its slot (pinned in the revision's directory), swaps it
/// onto the hook, frees the old one. The hook's record says which revision is
/// pending before anything is made, and which is attached once the swap is done.
///
/// The swap itself: XDP updates the one interface link in place
/// (`bpf_link_update`: each packet sees the old or the new dispatcher); TC adds
/// the new dispatcher's filter — cls_bpf runs the newest filter of a priority
/// first — and then deletes the old one. A TC dispatcher's filter handle is its
/// revision, so a filter left by a crash can be found again.
struct DispatcherExecutor {
    let paths: BpfmanPaths
    let store: DispatcherStore
    /// XDP: the mode to try first when the interface link is made.
    let xdpMode: XdpMode
    let logger: Logger

    /// Applies `plan` to the hook `site` describes; `stale` revisions (left by
    /// a crash) are freed as well. Returns the hook's record as it is now
    /// stored (nil once the hook has no dispatcher). On failure the new
    /// revision is undone and the hook stays as it was.
    func apply(_ plan: DispatcherPlan, to site: DispatcherRecord, stale: Set<UInt32> = []) throws -> DispatcherRecord? {
        let pins = site.pins(paths.bpffsRoot)
        var current = site
        var undo = Rollback()
        var dispatcher: (object: BpfObject, program: BpfProgram)?
        do {
            for step in plan.steps {
                switch step {
                case .loadDispatcher(let revision, let config):
                    current.pending = revision
                    try store.save(current)
                    dispatcher = try load(config)
                    let dir = pins.revisionDir(revision)
                    try? Pins.removeDirectory(dir)
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    undo.add { try? Pins.removeDirectory(dir) }
                case .linkExtension(let id, let slot):
                    guard let d = dispatcher, let revision = current.pending else { preconditionFailure("plan links before it loads") }
                    try link(program: id, slot: slot, into: d.program, revision: revision, pins: pins)
                case .attachDispatcher(let revision):
                    guard let d = dispatcher else { preconditionFailure("plan attaches before it loads") }
                    FaultPoint.hit(.dispatcherLinked)
                    try attach(d.program, revision: revision, site: &current, pins: pins, undo: &undo)
                    FaultPoint.hit(.dispatcherSwapped)
                    current.revision = revision
                case .freeRevision(let old):
                    free(old, site: current, pins: pins)
                case .detachDispatcher:
                    detachAll(site: current, pins: pins)
                    current.revision = nil
                }
            }
            for old in stale where old != current.revision { free(old, site: current, pins: pins) }
            FaultPoint.hit(.dispatcherFreed)
            current.pending = nil
            if current.revision == nil {
                try store.delete(current)
                return nil
            }
            try store.save(current)
            withExtendedLifetime(dispatcher) {}
            return current
        } catch {
            undo.run()
            if site.revision == nil && site.pending == nil { try? store.delete(site) } else { try? store.save(site) }
            throw error
        }
    }

    /// Takes every trace of the hook away (its programs are gone): the
    /// dispatcher off the interface, all revisions named, the record.
    func teardown(_ site: DispatcherRecord, revisions: Set<UInt32>) throws {
        let pins = site.pins(paths.bpffsRoot)
        detachAll(site: site, pins: pins)
        for r in revisions { free(r, site: site, pins: pins) }
        try store.delete(site)
    }

    /// A dispatcher of `config` (or of the raw `.rodata` bytes given), loaded;
    /// not pinned: the hook keeps it alive.
    func load(_ config: DispatcherConfig, bytes: [UInt8]? = nil) throws -> (object: BpfObject, program: BpfProgram) {
        let path = config.hook == .xdp ? paths.xdpDispatcherObject : paths.tcDispatcherObject
        do {
            return try Self.load(path, config, bytes: bytes)
        } catch let e as KernelError {
            throw BpfmanError(.internal, "cannot load the dispatcher \(path): \(e)")
        }
    }

    /// The dispatcher object at `path` loaded with `bytes` (default: the
    /// config's) as its `.rodata` configuration, only its entry point loaded.
    static func load(_ path: String, _ config: DispatcherConfig, bytes: [UInt8]? = nil) throws -> (object: BpfObject, program: BpfProgram) {
        let object = try BpfObject(path: path)
        guard let conf = try object.global(named: config.symbol), let program = object.program(named: config.programName) else {
            throw BpfmanError(.internal, "\(path) is not a bpfman dispatcher (no \(config.symbol) or \(config.programName))")
        }
        try conf.setInitialValue(bytes ?? config.bytes)
        for p in object.programs { p.setAutoload(p.name == config.programName) }
        try object.load()
        return (object, program)
    }

    private func link(program id: UInt32, slot: Int, into dispatcher: BpfProgram, revision: UInt32, pins: DispatcherPins) throws {
        do {
            let program = try Pins.open(paths.programPin(id))
            let link = try program.withRaw {
                try NetworkLinks.linkExtension(programFD: $0, targetFD: dispatcher.fd, function: "prog\(slot)")
            }
            try link.withRaw { try Pins.pin(fd: $0, at: pins.extensionLink(revision: revision, programID: id)) }
        } catch let e as KernelError {
            throw BpfmanError(.failedPrecondition, "cannot link program \(id) into dispatcher slot prog\(slot): \(e)")
        }
    }

    private func attach(_ dispatcher: BpfProgram, revision: UInt32, site: inout DispatcherRecord, pins: DispatcherPins,
                        undo: inout Rollback) throws {
        switch site.hook {
        case .xdp:
            if let link = try? Pins.open(pins.interfaceLink) {
                do {
                    try NetworkLinks.updateLink(link, programFD: dispatcher.fd)
                } catch let e as KernelError {
                    throw BpfmanError(.failedPrecondition, "cannot swap the dispatcher on \(site.description): \(e)")
                }
                return
            }
            let (link, mode) = try XdpHook.attachLink(programFD: dispatcher.fd, ifindex: site.ifindex, netns: site.netns,
                                                      iface: site.iface, wanted: site.xdpMode ?? xdpMode, what: "the XDP dispatcher")
            try link.withRaw { try Pins.pin(fd: $0, at: pins.interfaceLink) }
            undo.add { try? Pins.remove(pins.interfaceLink) }
            site.xdpMode = mode
        case .tc:
            let egress = site.direction == .egress
            let (ifindex, prio) = (site.ifindex, DispatcherRecord.tcPriority)
            do {
                let qdisc = ClsactQdiscs.Claim(netns: site.netns, netnsInode: site.netnsInode, ifindex: ifindex)
                try NetworkNamespace.run(site.netns) {
                    // A filter with this handle can only be a crash's leftover.
                    try? NetworkLinks.detachTc(ifindex: ifindex, egress: egress, priority: prio, handle: revision)
                    _ = try ClsactQdiscs(stateDirectory: paths.stateDir)
                        .attachFilter(qdisc, programFD: dispatcher.fd, egress: egress, priority: prio, handle: revision)
                }
            } catch let e as KernelError {
                let hint = egress && (e.errno == EINVAL || e.errno == EEXIST)
                    ? " (if the interface has an `ingress` qdisc, it has no egress hook: replace it with clsact)" : ""
                throw BpfmanError(.failedPrecondition, "cannot attach the TC dispatcher to \(site.description): \(e.reason)\(hint)")
            }
            let netns = site.netns
            undo.add {
                _ = try? NetworkNamespace.run(netns) { try NetworkLinks.detachTc(ifindex: ifindex, egress: egress, priority: prio, handle: revision) }
            }
        }
    }

    /// Frees one revision: (TC) its filter, then its directory of links,
    /// which releases the revision's dispatcher and its links.
    private func free(_ revision: UInt32, site: DispatcherRecord, pins: DispatcherPins) {
        if site.hook == .tc { detachFilter(handle: revision, site: site) }
        do { try Pins.removeDirectory(pins.revisionDir(revision)) } catch {
            logger.warning("cannot remove dispatcher revision", metadata: ["dir": "\(pins.revisionDir(revision))", "error": "\(error)"])
        }
    }

    /// The dispatcher off the hook: XDP's interface link unpinned (the last
    /// reference: it detaches), TC's filter deleted.
    private func detachAll(site: DispatcherRecord, pins: DispatcherPins) {
        switch site.hook {
        case .xdp: try? NetworkLinks.detachLink(pin: pins.interfaceLink)
        case .tc:
            if let r = site.revision { detachFilter(handle: r, site: site) }
            ClsactQdiscs(stateDirectory: paths.stateDir).release(.init(netns: site.netns, netnsInode: site.netnsInode, ifindex: site.ifindex), logger: logger)
        }
    }

    private func detachFilter(handle: UInt32, site: DispatcherRecord) {
        if let netns = site.netns, !Pins.exists(netns) { return }
        let egress = site.direction == .egress
        _ = try? NetworkNamespace.run(site.netns) {
            guard NetworkLinks.tcFilterProgram(ifindex: site.ifindex, egress: egress, priority: DispatcherRecord.tcPriority, handle: handle) != nil
            else { return }
            try NetworkLinks.detachTc(ifindex: site.ifindex, egress: egress, priority: DispatcherRecord.tcPriority, handle: handle)
        }
    }
}
