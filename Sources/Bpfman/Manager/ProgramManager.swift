import BpfKernel
import FoundationEssentials
import Glibc
import Logging

/// The manager: loads, attaches, unloads, lists and gets programs, keeping
/// one record per program in the store and every kernel object pinned.
///
/// Calls are synchronous and may block (kernel work, the store lock); network
/// namespace switches happen on the calling thread.
public final class ProgramManager: Sendable {
    public let paths: BpfmanPaths
    public let store: ProgramStore
    public let config: BpfmanConfig
    let logger: Logger

    public init(paths: BpfmanPaths = BpfmanPaths(), config: BpfmanConfig = BpfmanConfig(),
                logger: Logger = Logger(label: "bpfman")) {
        self.paths = paths
        self.store = ProgramStore(directory: paths.stateDir)
        self.config = config
        self.logger = logger
    }

    /// Mounts bpffs at the pin root, creates directories, raises RLIMIT_MEMLOCK.
    func setup() throws {
        Filesystems.raiseMemlockLimit()
        do {
            try Filesystems.ensureBpffs(at: paths.bpffsRoot)
            try FileManager.default.createDirectory(atPath: paths.mapsRoot, withIntermediateDirectories: true)
        } catch let e as KernelError {
            throw BpfmanError(.permissionDenied, "cannot prepare bpffs at \(paths.bpffsRoot): \(e) (bpfman needs root)")
        }
    }

    /// Claims on the tc filters bpfman makes without a dispatcher.
    var claims: ClaimStore { ClaimStore(stateDirectory: paths.stateDir) }

    /// Hook records of the dispatchers.
    var dispatchers: DispatcherStore { DispatcherStore(stateDirectory: paths.stateDir) }

    /// Whether XDP and TC programs run in dispatchers here: where the kernel
    /// takes extension programs, unless `BPFMAN_DISPATCHER=off` says not to.
    public var usesDispatchers: Bool {
        ProcessInfo.processInfo.environment["BPFMAN_DISPATCHER"] != "off" && FreplaceProbe.outcome(paths).isSupported
    }

    func dispatcherHook(_ hook: DispatcherConfig.Hook) -> DispatcherHook {
        let config = self.config
        return DispatcherHook(hook: hook, paths: paths, store: dispatchers, mode: { config.xdpMode(for: $0) }, logger: logger)
    }

    func hook(for kind: ProgramKind) -> any ProgramHook {
        switch kind {
        case .xdp:
            if usesDispatchers { return dispatcherHook(.xdp) }
            let config = self.config
            let paths = self.paths
            return XdpHook(mode: { config.xdpMode(for: $0) }, freplace: { FreplaceProbe.outcome(paths) })
        case .tc: return usesDispatchers ? dispatcherHook(.tc) : TcHook(claims: claims, qdiscs: ClsactQdiscs(stateDirectory: paths.stateDir))
        case .tcx: return TcxHook()
        case .tracepoint, .kprobe, .uprobe, .fentry, .fexit: return ProbeHook()
        }
    }

    // MARK: load

    /// Loads and attaches one program. On failure nothing is left behind.
    /// For image bytecode, `bytecodePath` is the object the image manager pulled.
    public func load(_ request: LoadRequest, bytecodePath: String? = nil) throws -> ProgramEntry {
        try RequestValidator.validate(request)
        try setup()
        return try store.withLock {
            try repair()
            let records = try store.records()
            if let owner = request.mapOwnerID, !records.contains(where: { $0.mapGroup == owner }) {
                throw BpfmanError.notFound("map owner program \(owner) is not a bpfman program with maps to share (map_owner_id)")
            }
            let path = try BytecodeFile.check(request.bytecode, resolved: bytecodePath)
            let object: BpfObject
            do {
                object = try BpfObject(path: path)
            } catch let e as KernelError {
                throw BpfmanError.invalid("cannot open \(path) as a BPF object: \(e.reason)\(ProbeHook.logTail(e))")
            }
            let (program, bssGlobals) = try prepare(object, request, path: path)
            let hook = hook(for: request.attach.kind)
            let target = try hook.prepareLoad(program)
            do {
                try object.load()
            } catch let e as KernelError {
                throw LoadFailure.error(e, program: request.name, kind: request.attach.kind, path: path)
            }
            withExtendedLifetime(target) {}
            for (global, bytes) in bssGlobals { try global.writeLoaded(bytes) }
            return try attachLoaded(object, program, request, hook: hook, records: records)
        }
    }

    /// Everything done to the opened object before load: choose the program,
    /// check it fits the kind, set the attach target, write globals, set map pins.
    /// Returns the program and the .bss globals, which can only be written after load.
    private func prepare(_ object: BpfObject, _ request: LoadRequest, path: String) throws
        -> (BpfProgram, [(GlobalVariable, [UInt8])]) {
        guard let program = object.program(named: request.name) else {
            let names = object.programs.map(\.name).joined(separator: ", ")
            throw BpfmanError.notFound("no program named \"\(request.name)\" in \(path); it has: \(names.isEmpty ? "none" : names)")
        }
        try ProgramCompatibility.check(request.attach, program, path: path)
        for other in object.programs where other.name != program.name { other.setAutoload(false) }
        if let fn = Self.tracingTarget(request.attach) {
            do {
                try program.setAttachTarget(function: fn)
            } catch let e as KernelError {
                throw BpfmanError.notFound("kernel function \(fn) for \(request.attach.kind.rawValue) not found in the kernel's BTF: \(e.reason)")
            }
        }
        var bssGlobals: [(GlobalVariable, [UInt8])] = []
        for (name, bytes) in request.globalData.sorted(by: { $0.key < $1.key }) {
            let global: GlobalVariable?
            do { global = try object.global(named: name) } catch let e as KernelError {
                throw BpfmanError.invalid("cannot set global \(name) in \(path): \(e.operation)")
            }
            guard let global else {
                throw BpfmanError.invalid("global variable \(name) not found in .rodata, .data or .bss of \(path)")
            }
            guard global.size == bytes.count else {
                let shown = bytes.count <= 16 ? ArgumentParsing.hex(bytes) : "starting \(ArgumentParsing.hex(Array(bytes.prefix(16))))…"
                throw BpfmanError.invalid("global \(name) in \(path) is \(global.size) bytes, but \(bytes.count) were given (\(shown))")
            }
            if global.isBss { bssGlobals.append((global, bytes)) } else { try global.setInitialValue(bytes) }
        }
        let ownerDirectory = request.mapOwnerID.map(paths.mapDirectory)
        for map in object.maps where !map.isInternal {
            // Maps declared pinned-by-name are taken from the owner's directory
            // when it has one of that name; nothing else is pinned by libbpf.
            if let dir = ownerDirectory, map.pinPath != nil, Pins.exists("\(dir)/\(map.name)") {
                try map.setPinPath("\(dir)/\(map.name)")
            } else {
                try map.setPinPath(nil)
            }
        }
        return (program, bssGlobals)
    }

    static func tracingTarget(_ attach: AttachInfo) -> String? {
        switch attach {
        case .fentry(let f): f.fnName
        case .fexit(let f): f.fnName
        default: nil
        }
    }

    private func attachLoaded(_ object: BpfObject, _ program: BpfProgram, _ request: LoadRequest,
                              hook: any ProgramHook, records: [ProgramRecord]) throws -> ProgramEntry {
        let info = try KernelPrograms.info(fd: program.fd)
        let id = info.id
        var rollback = Rollback()
        do {
            let programPin = paths.programPin(id)
            try Pins.pin(fd: program.fd, at: programPin)
            rollback.add { try? Pins.remove(programPin) }
            if request.mapOwnerID == nil {
                let dir = paths.mapDirectory(id)
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                rollback.add { try? Pins.removeDirectory(dir) }
                for map in object.maps where !map.isInternal && !Self.isDataSectionName(map.name) {
                    try map.pin(at: "\(dir)/\(map.name)")
                    chmod("\(dir)/\(map.name)", 0o660)
                }
            }
            let kind = request.attach.kind
            let peers = records.filter { $0.kind == kind }
            let change = try hook.attach(LoadedProgram(id: id, program: program, paths: paths), request.attach, peers: peers)
            var record = ProgramRecord(
                id: id, name: request.name, location: request.bytecode, attach: request.attach,
                globalData: request.globalData, metadata: request.metadata, mapOwnerID: request.mapOwnerID,
                mapPinPath: paths.mapDirectory(request.mapOwnerID ?? id), attachment: change.attachment, kernelInfo: info)
            record.signature = request.signature
            let peersAfter = peers.map { p in change.updatedPeers.first { $0.id == p.id } ?? p }
            rollback.add { _ = try? hook.detach(record, peers: peersAfter) }
            for peer in change.updatedPeers { try store.save(peer) }
            try store.save(record)
            logger.info("loaded program", metadata: ["id": "\(id)", "name": "\(request.name)", "kind": "\(kind.rawValue)"])
            return entry(record, all: records + [record])
        } catch {
            rollback.run()
            throw error
        }
    }

    static func isDataSectionName(_ name: String) -> Bool {
        name.contains(".rodata") || name.contains(".bss") || name.contains(".data")
    }

    // MARK: unload

    /// Detaches and unloads a bpfman program, removing its pins and record; its
    /// map directory goes with the last program using it.
    public func unload(id: UInt32) throws {
        try setup()
        try store.withLock {
            try repair()
            guard let record = try store.record(id) else {
                throw BpfmanError.notFound("program \(id) does not exist or was not loaded by bpfman (see `bpfman list`)")
            }
            let records = try store.records()
            let peers = records.filter { $0.kind == record.kind && $0.id != id }
            // The record goes first: a crash from here on leaves a program no
            // record accounts for, which the repair pass removes (its claims
            // and pins say where), never a record of a half-removed program.
            try store.delete(id)
            let moved: [ProgramRecord]
            do {
                moved = try hook(for: record.kind).detach(record, peers: peers)
            } catch {
                try? store.save(record)
                throw error
            }
            try Pins.remove(record.attachment.programPin)
            if !records.contains(where: { $0.id != id && $0.mapGroup == record.mapGroup }) {
                try Pins.removeDirectory(paths.mapDirectory(record.mapGroup))
            }
            for peer in moved { try store.save(peer) }
            logger.info("unloaded program", metadata: ["id": "\(id)"])
        }
    }

    // MARK: update

    /// Changes the priority and/or proceed-on of an attached XDP, TC or TCX
    /// program in place: the same program (id, maps) in its new place.
    /// `proceedOn` holds action names (`pass`, `drop`, …).
    public func update(id: UInt32, priority: Int32? = nil, proceedOn: ProceedOn? = nil) throws -> ProgramEntry {
        try setup()
        return try store.withLock {
            try repair()
            guard let record = try store.record(id) else {
                throw BpfmanError.notFound("program \(id) does not exist or was not loaded by bpfman (see `bpfman list`)")
            }
            let info = try Self.updated(record.attach, priority: priority, proceedOn: proceedOn)
            let peers = try store.records().filter { $0.kind == record.kind && $0.id != id }
            let changed = try hook(for: record.kind).update(record, to: info, peers: peers)
            for r in changed { try store.save(r) }
            logger.info("updated program", metadata: ["id": "\(id)", "priority": "\(priority.map(String.init) ?? "-")",
                                                      "proceed-on": "\(proceedOn?.wireValues ?? [])"])
            let all = try store.records()
            return entry(all.first { $0.id == id } ?? record, all: all)
        }
    }

    /// `attach` with a new priority and proceed-on, checked.
    static func updated(_ attach: AttachInfo, priority: Int32?, proceedOn: ProceedOn?) throws -> AttachInfo {
        guard priority != nil || proceedOn != nil else {
            throw BpfmanError.invalid("nothing to update: give a priority and/or proceed-on")
        }
        var info = attach
        switch attach {
        case .xdp(var x):
            x.priority = priority ?? x.priority
            switch proceedOn {
            case .xdp(let actions)?: x.proceedOn = actions
            case .tc?: throw BpfmanError.invalid("TC proceed-on values given for an XDP program")
            case nil: break
            }
            info = .xdp(x)
        case .tc(var t):
            t.priority = priority ?? t.priority
            switch proceedOn {
            case .tc(let actions)?: t.proceedOn = actions
            case .xdp?: throw BpfmanError.invalid("XDP proceed-on values given for a TC program")
            case nil: break
            }
            info = .tc(t)
        case .tcx(var t):
            if proceedOn != nil { throw ProceedOn.none(.tcx) }
            t.priority = priority ?? t.priority
            info = .tcx(t)
        default:
            throw BpfmanError.invalid("a \(attach.kind.rawValue) program has no priority or proceed-on to change")
        }
        try RequestValidator.validateAttach(info)
        return info
    }

    /// Repairs what a crash left half done (`StateRepair`); the caller holds the lock.
    func repair() throws {
        try StateRepair(paths: paths, store: store, dispatchers: dispatchers, claims: claims, hookFor: dispatcherHook, logger: logger).run()
    }

    /// The repair pass on its own, as a daemon runs it when it starts: what a
    /// crash of an earlier process left is put right before the first request.
    public func recover() throws {
        try setup()
        try store.withLock { try repair() }
    }

    /// Program records that could not be read, set aside or still in place.
    public func corruptRecords() -> [CorruptRecord] { store.corrupt() }

    // MARK: list and get

    public func list(_ filter: ListFilter = ListFilter()) throws -> [ProgramEntry] {
        let records = try store.records()
        if filter.bpfmanOnly {
            // Only records can match: the kernel is asked about the ones the filter keeps, not about every program.
            return records.filter { filter.matches(record: $0) }.map { entry($0, all: records) }
                .filter(filter.matches).sorted { $0.kernel.id < $1.kernel.id }
        }
        var byID: [UInt32: ProgramRecord] = [:]
        for r in records { byID[r.id] = r }
        var entries: [ProgramEntry] = []
        var seen = Set<UInt32>()
        for id in KernelPrograms.allIDs() {
            if let r = byID[id] {
                entries.append(entry(r, all: records))
                seen.insert(id)
            } else if !filter.bpfmanOnly, let info = KernelPrograms.info(id: id) {
                entries.append(ProgramEntry(record: nil, kernel: info, mapsUsedBy: [], stale: false))
            }
        }
        for r in records where !seen.contains(r.id) { entries.append(entry(r, all: records)) }
        return entries.filter(filter.matches).sorted { $0.kernel.id < $1.kernel.id }
    }

    public func get(id: UInt32) throws -> ProgramEntry {
        if let r = try store.record(id) { return entry(r, all: try store.records()) }
        guard let info = KernelPrograms.info(id: id) else {
            throw BpfmanError.notFound("program \(id) does not exist")
        }
        return ProgramEntry(record: nil, kernel: info, mapsUsedBy: [], stale: false)
    }

    /// A record with what the kernel says now (re-probed through the pin).
    func entry(_ r: ProgramRecord, all: [ProgramRecord]) -> ProgramEntry {
        let users = all.filter { $0.mapGroup == r.mapGroup }.map(\.id).sorted { a, b in
            a == r.mapGroup ? true : b == r.mapGroup ? false : a < b
        }
        if let live = try? KernelPrograms.info(pin: r.attachment.programPin), live.id == r.id {
            return ProgramEntry(record: r, kernel: live, mapsUsedBy: users, stale: false)
        }
        return ProgramEntry(record: r, kernel: r.kernelInfo, mapsUsedBy: users, stale: true)
    }
}
