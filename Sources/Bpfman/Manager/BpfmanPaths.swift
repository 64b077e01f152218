/// Where bpfman keeps its pins and records. Both roots are settable so tests
/// (and several simulated nodes on one kernel) can use private ones.
public struct BpfmanPaths: Sendable, Equatable {
    /// A bpffs mount: `prog_<id>`, `prog_<id>_link`, `maps/<id>/<map>`.
    public var bpffsRoot: String
    /// The program records and their lock.
    public var stateDir: String

    public static let defaultBpffsRoot = "/run/bpfman/fs"
    public static let defaultStateDir = "/run/bpfman/db"

    public init(bpffsRoot: String = defaultBpffsRoot, stateDir: String = defaultStateDir) {
        self.bpffsRoot = bpffsRoot
        self.stateDir = stateDir
    }

    /// Defaults overridden by `BPFMAN_BPFFS_ROOT` and `BPFMAN_STATE_DIR`.
    public static func fromEnvironment(_ env: [String: String]) -> BpfmanPaths {
        BpfmanPaths(bpffsRoot: env["BPFMAN_BPFFS_ROOT"] ?? defaultBpffsRoot,
                    stateDir: env["BPFMAN_STATE_DIR"] ?? defaultStateDir)
    }

    public func programPin(_ id: UInt32) -> String { "\(bpffsRoot)/prog_\(id)" }
    public func linkPin(_ id: UInt32) -> String { "\(bpffsRoot)/prog_\(id)_link" }
    public var mapsRoot: String { "\(bpffsRoot)/maps" }
    public func mapDirectory(_ owner: UInt32) -> String { "\(mapsRoot)/\(owner)" }
}
