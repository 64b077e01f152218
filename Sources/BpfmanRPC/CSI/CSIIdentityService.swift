import GRPCCore
import SwiftProtobuf

/// CSI Identity: who the plugin is, and whether it is ready (only once the
/// bpfman service it reads programs through can serve).
public struct CSIIdentityService: Csi_V1_Identity.SimpleServiceProtocol {
    let plugin: CSINodePlugin

    public init(plugin: CSINodePlugin) { self.plugin = plugin }

    public func getPluginInfo(request: Csi_V1_GetPluginInfoRequest, context: ServerContext) async throws -> Csi_V1_GetPluginInfoResponse {
        var r = Csi_V1_GetPluginInfoResponse()
        r.name = CSINodePlugin.driverName
        r.vendorVersion = CSINodePlugin.vendorVersion
        return r
    }

    /// A node-only plugin: no controller service, no topology constraints.
    public func getPluginCapabilities(request: Csi_V1_GetPluginCapabilitiesRequest, context: ServerContext) async throws -> Csi_V1_GetPluginCapabilitiesResponse {
        Csi_V1_GetPluginCapabilitiesResponse()
    }

    public func probe(request: Csi_V1_ProbeRequest, context: ServerContext) async throws -> Csi_V1_ProbeResponse {
        var r = Csi_V1_ProbeResponse()
        r.ready = Google_Protobuf_BoolValue(plugin.isReady)
        return r
    }
}
