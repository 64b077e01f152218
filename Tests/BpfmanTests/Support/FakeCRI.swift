import BpfmanAgent
import CRI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// The one fake at the CRI boundary (no container runtime runs here): a
/// runtime.v1 server on a unix socket answering the three calls the agent
/// makes, about "containers" that are test processes in their own network
/// namespaces. Pod lifecycle calls (the kubelet's, not the agent's) are
/// refused as unimplemented.
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

    private func unimplemented(_ call: String) -> RPCError {
        RPCError(code: .unimplemented, message: "FakeCRI answers only the agent's calls, not \(call)")
    }

    func version(request: Runtime_V1_VersionRequest, context: ServerContext) async throws -> Runtime_V1_VersionResponse {
        var r = Runtime_V1_VersionResponse()
        r.runtimeName = "fake-cri"
        r.runtimeVersion = "0"
        r.runtimeApiVersion = "v1"
        return r
    }

    func runPodSandbox(request: Runtime_V1_RunPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_RunPodSandboxResponse {
        throw unimplemented("RunPodSandbox")
    }

    func stopPodSandbox(request: Runtime_V1_StopPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_StopPodSandboxResponse {
        throw unimplemented("StopPodSandbox")
    }

    func removePodSandbox(request: Runtime_V1_RemovePodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_RemovePodSandboxResponse {
        throw unimplemented("RemovePodSandbox")
    }

    func podSandboxStatus(request: Runtime_V1_PodSandboxStatusRequest, context: ServerContext) async throws -> Runtime_V1_PodSandboxStatusResponse {
        throw unimplemented("PodSandboxStatus")
    }

    func createContainer(request: Runtime_V1_CreateContainerRequest, context: ServerContext) async throws -> Runtime_V1_CreateContainerResponse {
        throw unimplemented("CreateContainer")
    }

    func startContainer(request: Runtime_V1_StartContainerRequest, context: ServerContext) async throws -> Runtime_V1_StartContainerResponse {
        throw unimplemented("StartContainer")
    }

    func stopContainer(request: Runtime_V1_StopContainerRequest, context: ServerContext) async throws -> Runtime_V1_StopContainerResponse {
        throw unimplemented("StopContainer")
    }

    func removeContainer(request: Runtime_V1_RemoveContainerRequest, context: ServerContext) async throws -> Runtime_V1_RemoveContainerResponse {
        throw unimplemented("RemoveContainer")
    }

    func execSync(request: Runtime_V1_ExecSyncRequest, context: ServerContext) async throws -> Runtime_V1_ExecSyncResponse {
        throw unimplemented("ExecSync")
    }
}
