import Bpfman
import GRPCCore
import NIOPosix

/// CSI Node: Publish and Unpublish of map volumes, capabilities and node id.
/// Staging, stats and expansion do not apply to maps and answer UNIMPLEMENTED.
public struct CSINodeService: Csi_V1_Node.SimpleServiceProtocol {
    let plugin: CSINodePlugin

    public init(plugin: CSINodePlugin) { self.plugin = plugin }

    public func nodePublishVolume(request: Csi_V1_NodePublishVolumeRequest, context: ServerContext) async throws -> Csi_V1_NodePublishVolumeResponse {
        let capability: CSIVolumeRequest.Capability? = switch request.hasVolumeCapability ? request.volumeCapability.accessType : nil {
        case .mount(let m)?: .mount(group: m.volumeMountGroup)
        case .block?: .block
        case nil: nil
        }
        let r = try Self.checked {
            try CSIVolumeRequest.Publish(volumeID: request.volumeID, targetPath: request.targetPath, context: request.volumeContext,
                                         capability: capability, readOnly: request.readonly)
        }
        let plugin = self.plugin
        try await Self.offPool { try plugin.publish(r) }
        return Csi_V1_NodePublishVolumeResponse()
    }

    public func nodeUnpublishVolume(request: Csi_V1_NodeUnpublishVolumeRequest, context: ServerContext) async throws -> Csi_V1_NodeUnpublishVolumeResponse {
        let r = try Self.checked { try CSIVolumeRequest(volumeID: request.volumeID, targetPath: request.targetPath) }
        let plugin = self.plugin
        try await Self.offPool { try plugin.unpublish(r) }
        return Csi_V1_NodeUnpublishVolumeResponse()
    }

    public func nodeGetCapabilities(request: Csi_V1_NodeGetCapabilitiesRequest, context: ServerContext) async throws -> Csi_V1_NodeGetCapabilitiesResponse {
        var cap = Csi_V1_NodeServiceCapability()
        var rpc = Csi_V1_NodeServiceCapability.RPC()
        rpc.type = .volumeMountGroup
        cap.rpc = rpc
        var r = Csi_V1_NodeGetCapabilitiesResponse()
        r.capabilities = [cap]
        return r
    }

    public func nodeGetInfo(request: Csi_V1_NodeGetInfoRequest, context: ServerContext) async throws -> Csi_V1_NodeGetInfoResponse {
        var r = Csi_V1_NodeGetInfoResponse()
        r.nodeID = plugin.nodeID
        return r
    }

    public func nodeStageVolume(request: Csi_V1_NodeStageVolumeRequest, context: ServerContext) async throws -> Csi_V1_NodeStageVolumeResponse {
        throw Self.unimplemented("NodeStageVolume")
    }

    public func nodeUnstageVolume(request: Csi_V1_NodeUnstageVolumeRequest, context: ServerContext) async throws -> Csi_V1_NodeUnstageVolumeResponse {
        throw Self.unimplemented("NodeUnstageVolume")
    }

    public func nodeGetVolumeStats(request: Csi_V1_NodeGetVolumeStatsRequest, context: ServerContext) async throws -> Csi_V1_NodeGetVolumeStatsResponse {
        throw Self.unimplemented("NodeGetVolumeStats")
    }

    public func nodeExpandVolume(request: Csi_V1_NodeExpandVolumeRequest, context: ServerContext) async throws -> Csi_V1_NodeExpandVolumeResponse {
        throw Self.unimplemented("NodeExpandVolume")
    }

    static func unimplemented(_ method: String) -> RPCError {
        RPCError(code: .unimplemented, message: "\(method) is not implemented by \(CSINodePlugin.driverName): map volumes are published directly, without staging, stats or expansion")
    }

    private static func checked<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw BpfmanService.status(for: error) }
    }

    /// Mounts and pins block: they run on NIO's blocking pool.
    private static func offPool(_ body: @escaping @Sendable () throws -> Void) async throws {
        do { try await NIOThreadPool.singleton.runIfActive(body) } catch { throw BpfmanService.status(for: error) }
    }
}
