import BpfKernel
import FoundationEssentials
import Logging

/// XDP and TC through a dispatcher, where the kernel takes extension
/// (freplace) programs: up to 10 programs per hook, run in priority order,
/// each proceeding on the verdicts it names.
///
/// A program is loaded as an extension verified against the `compat_test` stub
/// of a pinned test dispatcher; attaching it builds a new dispatcher revision
/// with every member linked into its slot and swaps it in (`DispatcherExecutor`).
struct DispatcherHook: ProgramHook {
    let hook: DispatcherConfig.Hook
    let paths: BpfmanPaths
    let store: DispatcherStore
    /// The configured XDP mode for an interface (`[interfaces.<name>] xdp_mode`).
    let mode: @Sendable (String) -> XdpMode
    let logger: Logger

    /// Makes `program` an extension of the test dispatcher's `compat_test`;
    /// the returned descriptor keeps the target open until the load.
    func prepareLoad(_ program: BpfProgram) throws -> FileDescriptor? {
        let target = try testDispatcher()
        do {
            try target.withRaw { try program.setExtensionTarget(programFD: $0, function: "compat_test") }
        } catch let e as KernelError {
            throw BpfmanError(.internal, "cannot make \(program.name) an extension of the dispatcher: \(e)")
        }
        return target
    }

    /// `<bpffs>/dispatcher-test/xdp|tc`, loaded and pinned on first use.
    func testDispatcher() throws -> FileDescriptor {
        let pin = "\(paths.bpffsRoot)/dispatcher-test/\(hook.rawValue)"
        if let fd = try? Pins.open(pin) { return fd }
        let dispatcher = try executor.load(DispatcherConfig(hook: hook, masks: []), bytes: DispatcherConfig.compatTest(hook))
        do {
            try FileManager.default.createDirectory(atPath: PlainText.deletingLastPathComponent(pin), withIntermediateDirectories: true)
            try Pins.pin(fd: dispatcher.program.fd, at: pin)
            return try Pins.open(pin)
        } catch let e as KernelError {
            throw BpfmanError(.internal, "cannot pin the test dispatcher at \(pin): \(e)")
        }
    }

    var executor: DispatcherExecutor {
        DispatcherExecutor(paths: paths, store: store, xdpMode: .drv, logger: logger)
    }

    // MARK: the hook's three changes

    func attach(_ p: LoadedProgram, _ info: AttachInfo, peers: [ProgramRecord]) throws -> HookChange {
        let site = try self.site(for: info)
        let members = site.members(of: peers)
        let newcomer = try Self.member(p.id, info)
        let (plan, now) = try run(.add(newcomer), site: site, members: members, info: info)
        var attachment = Attachment(programPin: paths.programPin(p.id))
        attachment.ifindex = site.ifindex
        attachment.netnsInode = site.netnsInode
        let placed = place(attachment, id: p.id, plan: plan, site: now)
        return HookChange(attachment: placed, updatedPeers: updated(members, plan: plan, site: now))
    }

    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        guard var site = try stored(record) else {
            if let pin = record.attachment.linkPin { try? Pins.remove(pin) }
            return []
        }
        let members = site.members(of: peers).filter { $0.id != record.id } + [record]
        if let netns = site.netns, !Pins.exists(netns) {
            // The namespace is gone and the hook with it: only pins remain.
            let seen = DispatcherRepair.revisionsOnDisk(site, root: paths.bpffsRoot)
            site.revision = nil
            try executor.teardown(site, revisions: seen)
            return []
        }
        let (plan, now) = try run(.remove(programID: record.id), site: site, members: members, info: record.attach)
        return updated(members.filter { $0.id != record.id }, plan: plan, site: now)
    }

    func update(_ record: ProgramRecord, to info: AttachInfo, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        guard let site = try stored(record) else {
            throw BpfmanError(.internal, "program \(record.id) has no dispatcher record; unload and load it again")
        }
        var changed = record
        changed.attach = info
        let members = site.members(of: peers).filter { $0.id != record.id } + [changed]
        let (plan, now) = try run(.update(try Self.member(record.id, info)), site: site, members: members, info: info)
        return updated(members, plan: plan, site: now)
    }

    /// Plans `change` and applies it.
    private func run(_ change: DispatcherPlan.Change, site: DispatcherRecord, members: [ProgramRecord],
                     info: AttachInfo) throws -> (DispatcherPlan, DispatcherRecord?) {
        let plan: DispatcherPlan
        do {
            plan = try DispatcherPlan.plan(hook: hook, description: site.description, members: members.map(Self.member),
                                           revision: site.revision, change: change)
        } catch let e as DispatcherPlan.PlanError {
            switch e {
            case .badPriority: throw BpfmanError.invalid(e.description)
            case .full, .notOnHook: throw BpfmanError(.failedPrecondition, e.description)
            }
        }
        var ex = executor
        if case .xdp(let x) = info { ex = DispatcherExecutor(paths: paths, store: store, xdpMode: mode(x.iface), logger: logger) }
        let now = try ex.apply(plan, to: site)
        logger.info("dispatcher swapped", metadata: ["hook": "\(site.description)", "revision": "\(now?.revision.map(String.init) ?? "none")",
                                                     "programs": "\(plan.slots.map(\.programID))"])
        return (plan, now)
    }

    // MARK: records

    /// The hook `info` names, as stored or new.
    func site(for info: AttachInfo) throws -> DispatcherRecord {
        let (iface, netns, direction): (String, String?, TcDirection?)
        switch info {
        case .xdp(let x): (iface, netns, direction) = (x.iface, x.netns, nil)
        case .tc(let t): (iface, netns, direction) = (t.iface, t.netns, t.direction)
        default: preconditionFailure("DispatcherHook given \(info.kind)")
        }
        let ifindex = try InterfaceResolver.ifindex(iface, netns: netns)
        let fresh = DispatcherRecord(hook: hook, iface: iface, ifindex: ifindex, netns: netns,
                                     netnsInode: InterfaceResolver.netnsInode(netns), direction: direction)
        return try store.stored(fresh) ?? fresh
    }

    /// The stored hook a program's record belongs to.
    private func stored(_ record: ProgramRecord) throws -> DispatcherRecord? {
        guard let key = NetworkHookKey(record) else { return nil }
        let probe = DispatcherRecord(hook: hook, iface: "", ifindex: key.ifindex, netns: nil, netnsInode: key.netnsInode,
                                     direction: key.direction)
        return try store.stored(probe)
    }

    static func member(_ r: ProgramRecord) -> DispatcherPlan.Member {
        (try? member(r.id, r.attach)) ?? DispatcherPlan.Member(programID: r.id, priority: 0, mask: 0)
    }

    static func member(_ id: UInt32, _ info: AttachInfo) throws -> DispatcherPlan.Member {
        switch info {
        case .xdp(let x): DispatcherPlan.Member(programID: id, priority: x.priority, mask: DispatcherConfig.mask(x.proceedOn))
        case .tc(let t): DispatcherPlan.Member(programID: id, priority: t.priority, mask: DispatcherConfig.mask(t.proceedOn))
        default: throw BpfmanError.invalid("\(info.kind.rawValue) programs do not run in a dispatcher")
        }
    }

    /// `attachment` with its place in the revision now attached.
    private func place(_ attachment: Attachment, id: UInt32, plan: DispatcherPlan, site: DispatcherRecord?) -> Attachment {
        var a = attachment
        guard let site, let revision = site.revision else { return a }
        a.position = plan.positions[id]
        a.dispatcherRevision = revision
        a.linkPin = site.pins(paths.bpffsRoot).extensionLink(revision: revision, programID: id)
        a.xdpMode = site.xdpMode
        if hook == .tc {
            a.tcPriority = DispatcherRecord.tcPriority
            a.tcHandle = revision
        }
        return a
    }

    /// The members' records with their places after the plan.
    func updated(_ members: [ProgramRecord], plan: DispatcherPlan, site: DispatcherRecord?) -> [ProgramRecord] {
        members.compactMap { r in
            guard plan.positions[r.id] != nil else { return nil }
            var r = r
            r.attachment = place(r.attachment, id: r.id, plan: plan, site: site)
            return r
        }
    }
}
