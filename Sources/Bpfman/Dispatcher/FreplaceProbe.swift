import BpfKernel
import FoundationEssentials
import Synchronization

/// Whether this kernel lets a BPF extension (freplace) program replace a
/// dispatcher slot: tried once (load a dispatcher, load and attach an
/// extension to its compat_test slot), then remembered for the process.
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
                ? probe(dispatcherObject: paths.xdpDispatcherObject, extensionObject: paths.xdpDispatcherObject,
                        extensionFunction: "xdp_dispatcher")
                : .refused("the dispatcher objects are not installed (\(paths.dispatcherDir))")
            c = o
            return o
        }
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
