import BpfKernel
import FoundationEssentials
import Glibc
import Synchronization

/// Whether this kernel lets a BPF extension (freplace) program replace a
/// dispatcher slot: tried once (load a dispatcher, load and attach an
/// extension to its compat_test slot), then remembered for the process and,
/// in the state directory, for the rest of the boot (a CLI run would otherwise
/// pay a dispatcher load and verification on every `bpfman load`).
public enum FreplaceProbe {
    public enum Outcome: Sendable, Equatable {
        case supported
        case refused(String)

        public var isSupported: Bool { self == .supported }
    }

    private static let cache = Mutex<Outcome?>(nil)

    /// The cached answer, probing on first use. The extension tried is a
    /// second copy of the dispatcher's own entry point (same signature as the slots).
    public static func outcome(_ paths: BpfmanPaths) -> Outcome {
        cache.withLock { c in
            if let c { return c }
            let o: Outcome = FileManager.default.fileExists(atPath: paths.xdpDispatcherObject)
                ? remembered(paths) {
                    probe(dispatcherObject: paths.xdpDispatcherObject, extensionObject: paths.xdpDispatcherObject,
                          extensionFunction: "xdp_dispatcher")
                }
                : .refused("the dispatcher objects are not installed (\(paths.dispatcherDir))")
            c = o
            return o
        }
    }

    /// `<stateDir>/freplace-probe`: the answer, under the boot it was found in
    /// and the dispatcher object it was found with.
    static func memoPath(_ paths: BpfmanPaths) -> String { paths.stateDir + "/freplace-probe" }

    /// This boot's id and the dispatcher object's size and change time: the
    /// answer holds while all three do. Nil when one cannot be read.
    static func memoKey(_ paths: BpfmanPaths, bootIDPath: String = "/proc/sys/kernel/random/boot_id") -> String? {
        guard let boot = try? String(contentsOfFile: bootIDPath, encoding: .utf8) else { return nil }
        var st = stat()
        guard stat(paths.xdpDispatcherObject, &st) == 0 else { return nil }
        return "\(PlainText.trimmed(boot)) \(st.st_size) \(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
    }

    /// The answer written during this boot for this dispatcher object, or
    /// `probe()`'s, written down for the next process (best effort).
    static func remembered(_ paths: BpfmanPaths, bootIDPath: String = "/proc/sys/kernel/random/boot_id",
                           probe: () -> Outcome) -> Outcome {
        let key = memoKey(paths, bootIDPath: bootIDPath)
        if let key, let text = try? String(contentsOfFile: memoPath(paths), encoding: .utf8) {
            let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
            if lines.count >= 2, lines[0] == key {
                if lines[1] == "supported" { return .supported }
                if lines[1] == "refused", lines.count == 3 { return .refused(String(lines[2])) }
            }
        }
        let outcome = probe()
        if let key {
            let answer: String
            switch outcome {
            case .supported: answer = "supported"
            case .refused(let why): answer = "refused\n" + why
            }
            try? FileManager.default.createDirectory(atPath: paths.stateDir, withIntermediateDirectories: true)
            try? AtomicFile.write(Array("\(key)\n\(answer)".utf8), to: memoPath(paths), mode: 0o644, durable: false)
        }
        return outcome
    }

    /// One probe, uncached.
    public static func probe(dispatcherObject: String, extensionObject: String, extensionFunction: String) -> Outcome {
        do {
            // All slots and compat_test reachable, so the target function survives verification.
            let (dispatcher, target) = try DispatcherExecutor.load(dispatcherObject, DispatcherConfig(hook: .xdp, masks: []),
                                                                   bytes: DispatcherConfig.compatTest(.xdp))
            let ext = try BpfObject(path: extensionObject)
            for p in ext.programs { p.setAutoload(p.name == extensionFunction) }
            guard let prog = ext.program(named: extensionFunction) else { return .refused("no \(extensionFunction) in \(extensionObject)") }
            let link: BpfLink
            do {
                try prog.setExtensionTarget(programFD: target.fd, function: "compat_test")
                try ext.load()
                link = try prog.attachFreplace(programFD: target.fd, function: "compat_test")
            } catch {
                return .refused("this kernel refuses BPF extension (freplace) programs: \(error)")
            }
            withExtendedLifetime((link, dispatcher, ext)) {}
            return .supported
        } catch {
            return .refused("\(error)")
        }
    }
}
