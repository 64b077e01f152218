import CRI
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// `PodRuntime` over a CRI socket (containerd's `/run/containerd/containerd.sock`).
public final class CRIRuntime: PodRuntime {
    private let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let runtime: Runtime_V1_RuntimeService.Client<HTTP2ClientTransport.Posix>
    private let images: Runtime_V1_ImageService.Client<HTTP2ClientTransport.Posix>

    public init(socketPath: String) throws {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        grpc = GRPCClient(transport: transport)
        runtime = Runtime_V1_RuntimeService.Client(wrapping: grpc)
        images = Runtime_V1_ImageService.Client(wrapping: grpc)
    }

    public func run() async throws { try await grpc.runConnections() }
    public func close() { grpc.beginGracefulShutdown() }

    /// Sandbox starts run CNI and image unpacking: minutes, not seconds, under load.
    private func options(_ seconds: Int64 = 30) -> CallOptions {
        var o = CallOptions.defaults
        o.timeout = .seconds(seconds)
        return o
    }

    public func version() async throws -> (name: String, version: String) {
        let r = try await runtime.version(Runtime_V1_VersionRequest(), options: options())
        return (r.runtimeName, r.runtimeVersion)
    }

    public func imageID(_ image: String) async throws -> String? {
        var req = Runtime_V1_ImageStatusRequest()
        req.image.image = image
        let r = try await images.imageStatus(req, options: options())
        return r.hasImage ? r.image.id : nil
    }

    public func runSandbox(_ config: Runtime_V1_PodSandboxConfig) async throws -> String {
        var req = Runtime_V1_RunPodSandboxRequest()
        req.config = config
        return try await runtime.runPodSandbox(req, options: options(120)).podSandboxID
    }

    public func sandboxes() async throws -> [Runtime_V1_PodSandbox] {
        try await runtime.listPodSandbox(Runtime_V1_ListPodSandboxRequest(), options: options()).items
    }

    public func sandboxStatus(_ id: String) async throws -> Runtime_V1_PodSandboxStatus {
        var req = Runtime_V1_PodSandboxStatusRequest()
        req.podSandboxID = id
        return try await runtime.podSandboxStatus(req, options: options()).status
    }

    public func stopSandbox(_ id: String) async throws {
        var req = Runtime_V1_StopPodSandboxRequest()
        req.podSandboxID = id
        _ = try await runtime.stopPodSandbox(req, options: options(60))
    }

    public func removeSandbox(_ id: String) async throws {
        var req = Runtime_V1_RemovePodSandboxRequest()
        req.podSandboxID = id
        _ = try await runtime.removePodSandbox(req, options: options(60))
    }

    public func containers(sandbox id: String) async throws -> [Runtime_V1_Container] {
        var req = Runtime_V1_ListContainersRequest()
        req.filter.podSandboxID = id
        return try await runtime.listContainers(req, options: options()).containers
    }

    public func containerStatus(_ id: String) async throws -> Runtime_V1_ContainerStatus {
        var req = Runtime_V1_ContainerStatusRequest()
        req.containerID = id
        return try await runtime.containerStatus(req, options: options()).status
    }

    public func createContainer(sandbox id: String, _ config: Runtime_V1_ContainerConfig, _ sandboxConfig: Runtime_V1_PodSandboxConfig)
        async throws -> String
    {
        var req = Runtime_V1_CreateContainerRequest()
        req.podSandboxID = id
        req.config = config
        req.sandboxConfig = sandboxConfig
        return try await runtime.createContainer(req, options: options(60)).containerID
    }

    public func startContainer(_ id: String) async throws {
        var req = Runtime_V1_StartContainerRequest()
        req.containerID = id
        _ = try await runtime.startContainer(req, options: options(60))
    }

    public func stopContainer(_ id: String, timeoutSeconds: Int64) async throws {
        var req = Runtime_V1_StopContainerRequest()
        req.containerID = id
        req.timeout = timeoutSeconds
        _ = try await runtime.stopContainer(req, options: options(timeoutSeconds + 30))
    }

    public func removeContainer(_ id: String) async throws {
        var req = Runtime_V1_RemoveContainerRequest()
        req.containerID = id
        _ = try await runtime.removeContainer(req, options: options(60))
    }

    public func exec(_ id: String, _ command: [String], timeoutSeconds: Int64) async throws -> Int32 {
        var req = Runtime_V1_ExecSyncRequest()
        req.containerID = id
        req.cmd = command
        req.timeout = timeoutSeconds
        return try await runtime.execSync(req, options: options(timeoutSeconds + 5)).exitCode
    }
}
