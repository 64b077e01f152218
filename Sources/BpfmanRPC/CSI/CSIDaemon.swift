import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle

/// The CSI Identity and Node services on their own unix socket (mode 0660),
/// as one lifecycle Service beside the bpfman.v1 one: a graceful shutdown of
/// the group lets calls in flight finish, then removes the socket file.
public struct CSIDaemon: Service {
    let socketPath: String
    let plugin: CSINodePlugin
    let logger: Logger

    public init(socketPath: String, plugin: CSINodePlugin, logger: Logger) {
        self.socketPath = socketPath
        self.plugin = plugin
        self.logger = logger
    }

    public func run() async throws {
        try SocketFile.prepare(socketPath)
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [CSIIdentityService(plugin: plugin), CSINodeService(plugin: plugin)])
        try await SocketFile.serve(server, socketPath: socketPath, what: "CSI \(CSINodePlugin.driverName) (node \(plugin.nodeID))",
                                   logger: logger) {}
    }
}
