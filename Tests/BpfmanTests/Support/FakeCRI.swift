import BpfmanAgent
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// The one fake at the CRI boundary (no container runtime runs here): a
/// runtime.v1 server on a unix socket answering the three calls the agent
/// makes, about "containers" that are test processes in their own network
/// namespaces.
final class FakeCRI: Runtime_V1_RuntimeService.SimpleServiceProtocol, @unchecked Sendable {
    struct Entry: Sendable {
        var podUID: String
        var podName: String
        var namespace: String
        var container: String
        var pid: Int32
    }

    let socketPath: String
    private let entries = Mutex<[Entry]>([])
    private var server: GRPCServer<HTTP2ServerTransport.Posix>?
    private var task: Task<Void, Error>?

    init(socketPath: String) async throws {
        self.socketPath = socketPath
        try? FileManager.default.removeItem(atPath: socketPath)
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [self])
        self.server = server
        task = Task { try await server.serve() }
        _ = try await transport.listeningAddress
    }

    func stop() {
        server?.beginGracefulShutdown()
        task?.cancel()
    }

    func set(_ list: [Entry]) { entries.withLock { $0 = list } }

    func listPodSandbox(request: Runtime_V1_ListPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxResponse {
        var r = Runtime_V1_ListPodSandboxResponse()
        var seen = Set<String>()
        for e in entries.withLock({ $0 }) where seen.insert(e.podUID).inserted {
            var s = Runtime_V1_PodSandbox()
            s.id = "sandbox-" + e.podUID
            s.metadata.uid = e.podUID
            s.metadata.name = e.podName
            s.metadata.namespace = e.namespace
            s.state = .sandboxReady
            r.items.append(s)
        }
        return r
    }

    func listContainers(request: Runtime_V1_ListContainersRequest, context: ServerContext) async throws -> Runtime_V1_ListContainersResponse {
        var r = Runtime_V1_ListContainersResponse()
        for e in entries.withLock({ $0 }) where "sandbox-" + e.podUID == request.filter.podSandboxID {
            var c = Runtime_V1_Container()
            c.id = "ctr-\(e.podUID)-\(e.container)"
            c.podSandboxID = "sandbox-" + e.podUID
            c.metadata.name = e.container
            c.state = .containerRunning
            r.containers.append(c)
        }
        return r
    }

    func containerStatus(request: Runtime_V1_ContainerStatusRequest, context: ServerContext) async throws -> Runtime_V1_ContainerStatusResponse {
        guard let e = entries.withLock({ $0 }).first(where: { "ctr-\($0.podUID)-\($0.container)" == request.containerID }) else {
            throw RPCError(code: .notFound, message: "no container \(request.containerID)")
        }
        var r = Runtime_V1_ContainerStatusResponse()
        r.status.id = request.containerID
        r.status.state = .containerRunning
        if request.verbose { r.info["info"] = #"{"pid": \#(e.pid)}"# }
        return r
    }
}
