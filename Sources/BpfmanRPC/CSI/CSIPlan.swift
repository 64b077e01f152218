import BpfKernel
import Bpfman

/// What publishing or unpublishing a volume takes, decided from the request
/// and what the node holds now (mounts, directories, loaded programs) without
/// touching anything; `CSIExecutor` carries the steps out. The observed state
/// comes from the mount table, so a restarted plugin decides as the one that
/// published.
public enum CSIPlan {
    /// What is at a path now.
    public enum PathState: Sendable, Equatable {
        case missing
        case directory
        /// Something other than a directory: "a regular file", "a socket", …
        case other(String)
    }

    /// The node as it bears on one volume.
    public struct Observed: Sendable, Equatable {
        public var target: PathState
        public var targetParentExists: Bool
        /// The topmost mount at the target path.
        public var targetMount: MountTable.Entry?
        public var volumeDirectory: PathState
        public var volumeMount: MountTable.Entry?

        public init(target: PathState, targetParentExists: Bool, targetMount: MountTable.Entry?,
                    volumeDirectory: PathState, volumeMount: MountTable.Entry?) {
            self.target = target; self.targetParentExists = targetParentExists; self.targetMount = targetMount
            self.volumeDirectory = volumeDirectory; self.volumeMount = volumeMount
        }
    }

    /// A loaded bpfman program carrying the requested `bpfman.io/ProgramName`.
    public struct Candidate: Sendable, Equatable {
        public var id: UInt32
        public var mapPinPath: String
        /// The program whose maps it uses (itself when it owns them).
        public var mapGroup: UInt32
        public init(id: UInt32, mapPinPath: String, mapGroup: UInt32) {
            self.id = id; self.mapPinPath = mapPinPath; self.mapGroup = mapGroup
        }
    }

    public enum Step: Sendable, Equatable {
        /// A bpffs left at the volume directory by an earlier try that did not finish.
        case unmountStaleVolume
        case createVolumeDirectory
        case mountVolume(source: String, groupOnly: Bool)
        case setGroup(path: String, group: UInt32)
        case pinMap(from: String, to: String, group: UInt32?)
        case remountVolumeReadOnly
        case createTarget
        case bindTarget(readOnly: Bool)
        case unmountTarget
        case removeTarget
        case unmountVolume
        case removeVolumeDirectory
    }

    /// The mount source that marks a volume's bpffs (and every bind of it).
    public static func source(volumeID: String) -> String { sourcePrefix + volumeID }
    static let sourcePrefix = "bpfman-csi:"

    /// The volume a mount of ours holds (nil for anyone else's mount).
    static func volumeID(of m: MountTable.Entry) -> String? {
        m.source.hasPrefix(sourcePrefix) ? String(m.source.dropFirst(sourcePrefix.count)) : nil
    }

    /// The first of two phases: whether the target is usable before any
    /// program lookup, so that a retried Publish of a mounted volume succeeds
    /// even after its program went away.
    public static func checkTarget(_ r: CSIVolumeRequest.Publish, _ o: Observed) throws(BpfmanError) -> Bool {
        let target = r.volume.targetPath
        if let m = o.targetMount {
            guard m.source == source(volumeID: r.volume.volumeID) else {
                if let other = volumeID(of: m) {
                    throw BpfmanError(.alreadyExists, "target_path \(target) already holds volume \(other), not \(r.volume.volumeID)")
                }
                throw BpfmanError(.alreadyExists, "target_path \(target) is already a mount of \(m.fsType) \(m.source); csi.bpfman.io mounts only onto an unused directory")
            }
            guard m.readOnly == r.readOnly else {
                throw BpfmanError(.alreadyExists, "volume \(r.volume.volumeID) is already published at \(target) \(m.readOnly ? "read-only" : "read-write"), not \(r.readOnly ? "read-only" : "read-write") as asked")
            }
            return true
        }
        switch o.target {
        case .other(let what):
            throw BpfmanError(.invalidArgument, "target_path \(target) is \(what), not a directory")
        case .missing where !o.targetParentExists:
            throw BpfmanError(.failedPrecondition, "target_path \(target): its parent directory does not exist (the CO creates it)")
        case .missing, .directory:
            return false
        }
    }

    /// Which program's maps a volume gets. Several programs may carry the name
    /// (one per attach point): the longest-loaded one's serve, so the choice
    /// stays the same from call to call; where they share maps through a map
    /// owner, those are the shared maps whichever it is.
    public static func choose(program: String, candidates: [Candidate], node: String) throws(BpfmanError) -> Candidate {
        guard let first = candidates.min(by: { $0.id < $1.id }) else {
            throw BpfmanError(.unavailable, "volume_context[\"\(CSIVolumeRequest.programKey)\"]: no program named \(program) is loaded on node \(node) yet; waiting for bpfman-agent to load it (the CO retries)")
        }
        return first
    }

    /// The publish steps once the target is known to be free and the program's
    /// map directory holds `available`.
    public static func publish(_ r: CSIVolumeRequest.Publish, _ o: Observed, program: Candidate,
                               available: [String], volumeDirectory: String) throws(BpfmanError) -> [Step] {
        let missing = r.maps.filter { !available.contains($0) }
        if !missing.isEmpty {
            let has = available.isEmpty ? "none" : available.sorted().joined(separator: ", ")
            throw BpfmanError(.notFound, "volume_context[\"\(CSIVolumeRequest.mapsKey)\"]: program \(r.program) (id \(program.id)) has no map named \(missing.joined(separator: ", ")); its maps: \(has)")
        }
        if case .other(let what) = o.volumeDirectory {
            throw BpfmanError(.internal, "\(volumeDirectory) is \(what), not a directory; remove it")
        }
        var steps: [Step] = []
        if o.volumeMount != nil { steps.append(.unmountStaleVolume) }
        if o.volumeDirectory == .missing { steps.append(.createVolumeDirectory) }
        steps.append(.mountVolume(source: source(volumeID: r.volume.volumeID), groupOnly: r.group != nil))
        if let g = r.group { steps.append(.setGroup(path: volumeDirectory, group: g)) }
        for m in r.maps {
            steps.append(.pinMap(from: program.mapPinPath + "/" + m, to: volumeDirectory + "/" + m, group: r.group))
        }
        if r.readOnly { steps.append(.remountVolumeReadOnly) }
        if o.target == .missing { steps.append(.createTarget) }
        steps.append(.bindTarget(readOnly: r.readOnly))
        return steps
    }

    /// Unpublish: undo what Publish made, whatever of it is still there. A
    /// target holding something else is refused and left alone.
    public static func unpublish(_ r: CSIVolumeRequest, _ o: Observed) throws(BpfmanError) -> [Step] {
        var steps: [Step] = []
        if let m = o.targetMount {
            guard m.source == source(volumeID: r.volumeID) else {
                let what = volumeID(of: m).map { "volume \($0)" } ?? "a mount of \(m.fsType) \(m.source)"
                throw BpfmanError(.failedPrecondition, "target_path \(r.targetPath) holds \(what), not volume \(r.volumeID); left as it is")
            }
            steps.append(.unmountTarget)
        }
        switch o.target {
        case .directory: steps.append(.removeTarget)
        case .other(let what) where o.targetMount == nil:
            throw BpfmanError(.failedPrecondition, "target_path \(r.targetPath) is \(what), which csi.bpfman.io never makes; left as it is")
        case .other, .missing: break
        }
        if let m = o.volumeMount, m.source == source(volumeID: r.volumeID) { steps.append(.unmountVolume) }
        if o.volumeDirectory == .directory { steps.append(.removeVolumeDirectory) }
        return steps
    }
}
