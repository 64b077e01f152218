import FoundationEssentials

/// Where bpfman keeps its pins and records. Both roots are settable so tests
/// (and several simulated nodes on one kernel) can use private ones.
public struct BpfmanPaths: Sendable, Equatable {
    /// A bpffs mount: `prog_<id>`, `prog_<id>_link`, `maps/<id>/<map>`.
    public var bpffsRoot: String
    /// The program records and their lock.
    public var stateDir: String
    /// The compiled dispatcher objects (`xdp_dispatcher_v2.bpf.o`, `tc_dispatcher.bpf.o`).
    public var dispatcherDir: String

    public static let defaultBpffsRoot = "/run/bpfman/fs"
    public static let defaultStateDir = "/run/bpfman/db"

    public init(bpffsRoot: String = defaultBpffsRoot, stateDir: String = defaultStateDir,
                dispatcherDir: String = BpfmanPaths.defaultDispatcherDir) {
        self.bpffsRoot = bpffsRoot
        self.stateDir = stateDir
        self.dispatcherDir = dispatcherDir
    }

    /// Installed under /usr/lib/bpfman/dispatchers; in a build tree, `make bpf`
    /// puts them in .build/bpf/dispatchers, a level or two above the binary
    /// (.build/debug/bpfman or .build/<triple>/debug/bpfman).
    public static var defaultDispatcherDir: String {
        let installed = "/usr/lib/bpfman/dispatchers"
        if FileManager.default.fileExists(atPath: installed) { return installed }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<3 {
            dir.deleteLastPathComponent()
            let built = dir.appendingPathComponent("bpf/dispatchers").path
            if FileManager.default.fileExists(atPath: built) { return built }
        }
        return installed
    }

    /// Defaults overridden by `BPFMAN_BPFFS_ROOT`, `BPFMAN_STATE_DIR` and `BPFMAN_DISPATCHER_DIR`.
    public static func fromEnvironment(_ env: [String: String]) -> BpfmanPaths {
        BpfmanPaths(bpffsRoot: env["BPFMAN_BPFFS_ROOT"] ?? defaultBpffsRoot,
                    stateDir: env["BPFMAN_STATE_DIR"] ?? defaultStateDir,
                    dispatcherDir: env["BPFMAN_DISPATCHER_DIR"] ?? defaultDispatcherDir)
    }

    public var xdpDispatcherObject: String { "\(dispatcherDir)/xdp_dispatcher_v2.bpf.o" }
    public var tcDispatcherObject: String { "\(dispatcherDir)/tc_dispatcher.bpf.o" }

    public func programPin(_ id: UInt32) -> String { "\(bpffsRoot)/prog_\(id)" }
    public func linkPin(_ id: UInt32) -> String { "\(bpffsRoot)/prog_\(id)_link" }
    public var mapsRoot: String { "\(bpffsRoot)/maps" }
    public func mapDirectory(_ owner: UInt32) -> String { "\(mapsRoot)/\(owner)" }
}
