import BpfKernel
import FoundationEssentials

/// Tracepoints, kprobes, uprobes and fentry/fexit: each program gets its own
/// bpf_link, pinned so it outlives the process.
struct ProbeHook: ProgramHook {
    func attach(_ p: LoadedProgram, _ info: AttachInfo, peers: [ProgramRecord]) throws -> HookChange {
        let link: BpfLink
        do {
            switch info {
            case .tracepoint(let t):
                let (category, name) = try Self.splitTracepoint(t.tracepoint)
                let tracefs = try Filesystems.ensureTracefs()
                guard Pins.exists("\(tracefs)/events/\(category)/\(name)") else {
                    throw BpfmanError.notFound("tracepoint \(t.tracepoint) does not exist on this kernel (no \(tracefs)/events/\(category)/\(name))")
                }
                link = try p.program.attachTracepoint(category: category, name: name)
            case .kprobe(let k):
                link = try p.program.attachKprobe(function: k.fnName, offset: k.offset, retprobe: k.retprobe)
            case .uprobe(let u):
                let binary = try UprobeTarget.resolve(u.target, containerPid: u.containerPid, procRoot: UprobeTarget.hostProcRoot)
                link = try p.program.attachUprobe(binary: binary, function: u.fnName, offset: u.offset, pid: u.pid, retprobe: u.retprobe)
            case .fentry, .fexit:
                link = try p.program.attachTrace()
            case .xdp, .tc, .tcx:
                preconditionFailure("ProbeHook given \(info.kind)")
            }
        } catch let e as KernelError {
            var why = ""
            if case .kprobe = info, let missing = Self.missingKprobeSupport() { why = ". The kernel refused: it has no kprobe support (\(missing))" }
            throw BpfmanError(.failedPrecondition, "cannot attach \(info.kind.rawValue) program \(p.program.name) (\(Self.target(info))): \(e.reason)\(why)\(Self.logTail(e))")
        }
        let pin = p.paths.linkPin(p.id)
        try link.pin(at: pin)
        var a = Attachment(programPin: p.paths.programPin(p.id))
        a.linkPin = pin
        return HookChange(attachment: a)
    }

    func detach(_ record: ProgramRecord, peers: [ProgramRecord]) throws -> [ProgramRecord] {
        if let pin = record.attachment.linkPin { try Pins.remove(pin) }
        return []
    }

    /// What is missing when the kernel cannot make kprobes at all (neither
    /// the kprobe PMU nor legacy kprobe_events), or nil when it can.
    static func missingKprobeSupport() -> String? {
        let pmu = "/sys/bus/event_source/devices/kprobe/type"
        let tracefs = (try? Filesystems.ensureTracefs()) ?? "/sys/kernel/tracing"
        guard !Pins.exists(pmu), !Pins.exists("\(tracefs)/kprobe_events") else { return nil }
        return "no \(pmu) and no \(tracefs)/kprobe_events"
    }

    static func splitTracepoint(_ tp: String) throws -> (String, String) {
        let parts = tp.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw BpfmanError.invalid("tracepoint \"\(tp)\" is not a valid attach point: expected category/name, e.g. syscalls/sys_enter_openat")
        }
        return (String(parts[0]), String(parts[1]))
    }

    static func target(_ info: AttachInfo) -> String {
        switch info {
        case .tracepoint(let t): t.tracepoint
        case .kprobe(let k): "\(k.fnName)+\(k.offset)"
        case .uprobe(let u): "\(u.target):\(u.fnName ?? "")+\(u.offset)"
        case .fentry(let f): f.fnName
        case .fexit(let f): f.fnName
        default: ""
        }
    }

    static func logTail(_ e: KernelError) -> String {
        let tail = e.logTail(lines: 5)
        return tail.isEmpty ? "" : "\nlibbpf said:\n\(tail)"
    }
}

/// Resolves a uprobe target: an absolute path, or a library name such as
/// `libc` looked up in the usual library directories. With a container pid
/// both are looked up in that process's mount namespace through
/// `/proc/<pid>/root`; the kernel keeps the probe on the file's inode, so it
/// fires in the container whatever its own path is called there.
enum UprobeTarget {
    static let libraryDirectories = [
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    ]

    /// Where the host's processes are seen: $BPFMAN_PROC_ROOT, else
    /// /host/proc where the node daemon's pod mounts the host's /proc (its own
    /// /proc shows only its pid namespace), else /proc.
    static var hostProcRoot: String {
        if let r = ProcessInfo.processInfo.environment["BPFMAN_PROC_ROOT"], !r.isEmpty { return r }
        return FileManager.default.fileExists(atPath: "/host/proc/1") ? "/host/proc" : "/proc"
    }

    static func resolve(_ target: String, containerPid: Int32? = nil, procRoot: String = "/proc") throws -> String {
        var root = ""
        var place = ""
        if let pid = containerPid {
            root = "\(procRoot)/\(pid)/root"
            place = " in container pid \(pid)"
            guard FileManager.default.fileExists(atPath: root) else {
                throw BpfmanError.notFound("uprobe container pid \(pid) does not exist (no \(root))")
            }
        }
        if target.contains("/") {
            let path = root + (target.hasPrefix("/") ? target : "/" + target)
            let head: [UInt8]
            do {
                head = try RegularFile.head(path, what: "uprobe target")
            } catch let e as BpfmanError where e.kind == .notFound && !place.isEmpty {
                throw BpfmanError.notFound("uprobe target \(target) does not exist\(place)")
            }
            guard head == RegularFile.elfMagic else {
                throw BpfmanError.invalid("uprobe target \(target)\(place) is not an ELF executable or library")
            }
            return path
        }
        let stem = target.hasPrefix("lib") ? target : "lib" + target
        for dir in libraryDirectories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: root + dir) else { continue }
            // libc.so.6 before libc.so (often a linker script), shortest first.
            let candidates = names.filter { $0.hasPrefix(stem + ".so.") }.sorted { ($0.count, $0) < ($1.count, $1) }
                + names.filter { $0 == stem + ".so" }
            if let found = candidates.map({ root + dir + "/" + $0 }).first(where: isELF) { return found }
        }
        throw BpfmanError.notFound("uprobe target library \"\(target)\" not found\(place) in \(libraryDirectories.joined(separator: ", "))")
    }

    static func isELF(_ path: String) -> Bool {
        (try? RegularFile.head(path, what: "library")) == RegularFile.elfMagic
    }
}
