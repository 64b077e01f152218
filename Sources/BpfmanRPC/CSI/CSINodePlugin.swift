import Bpfman
import Logging
import Synchronization

/// The csi.bpfman.io node plugin's work, independent of gRPC: Publish finds
/// the program by its `bpfman.io/ProgramName` metadata and mounts a bpffs of
/// its own holding the requested maps onto the pod's target; Unpublish undoes
/// it. Calls are serialised: two publishes of one volume never interleave.
public final class CSINodePlugin: Sendable {
    public static let driverName = "csi.bpfman.io"
    public static let vendorVersion = "0.5.6"
    public static let defaultSocketPath = "/run/bpfman/csi/csi.sock"
    /// Per-volume bpffs mounts live in `<socket directory>/fs/<volume_id>`.
    public static let defaultVolumesRoot = "/run/bpfman/csi/fs"

    public let nodeID: String
    let manager: ProgramManager
    let executor: CSIExecutor
    let logger: Logger
    private let serial = Mutex(())
    /// Set once the bpfman service can serve; Probe reports it.
    private let readyFlag = Atomic<Bool>(false)

    public init(nodeID: String, manager: ProgramManager, volumesRoot: String, logger: Logger) {
        self.nodeID = nodeID
        self.manager = manager
        self.executor = CSIExecutor(volumesRoot: volumesRoot)
        self.logger = logger
    }

    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }
    public func markReady() { readyFlag.store(true, ordering: .releasing) }

    public func publish(_ r: CSIVolumeRequest.Publish) throws(BpfmanError) {
        try serial.withLock { _ throws(BpfmanError) in
            let observed = executor.observe(r.volume)
            if try CSIPlan.checkTarget(r, observed) {
                logger.debug("volume already published", metadata: ["volume": "\(r.volume.volumeID)", "target": "\(r.volume.targetPath)"])
                return
            }
            let program = try CSIPlan.choose(program: r.program, candidates: try candidates(r.program), node: nodeID)
            let available = CSIExecutor.maps(in: program.mapPinPath)
            let steps = try CSIPlan.publish(r, observed, program: program, available: available,
                                            volumeDirectory: executor.volumeDirectory(r.volume.volumeID))
            try executor.run(steps, volume: r.volume)
            logger.info("published volume", metadata: [
                "volume": "\(r.volume.volumeID)", "target": "\(r.volume.targetPath)", "program": "\(r.program)",
                "id": "\(program.id)", "maps": "\(r.maps.joined(separator: ","))", "from": "\(program.mapPinPath)",
                "readonly": "\(r.readOnly)", "group": "\(r.group.map(String.init) ?? "-")"])
        }
    }

    public func unpublish(_ r: CSIVolumeRequest) throws(BpfmanError) {
        try serial.withLock { _ throws(BpfmanError) in
            let steps = try CSIPlan.unpublish(r, executor.observe(r))
            try executor.run(steps, volume: r)
            logger.info("unpublished volume", metadata: ["volume": "\(r.volumeID)", "target": "\(r.targetPath)"])
        }
    }

    /// The loaded programs the agent named `program`.
    private func candidates(_ program: String) throws(BpfmanError) -> [CSIPlan.Candidate] {
        let entries: [ProgramEntry]
        do {
            entries = try manager.list(ListFilter(metadata: ["bpfman.io/ProgramName": program]))
        } catch let e as BpfmanError {
            throw e
        } catch {
            throw BpfmanError(.internal, "listing programs: \(error)")
        }
        return entries.filter { !$0.stale }.compactMap { e in
            e.record.map { CSIPlan.Candidate(id: $0.id, mapPinPath: $0.mapPinPath, mapGroup: $0.mapGroup) }
        }
    }
}
