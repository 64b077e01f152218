import CRI

/// The calls the stand-in makes of a node's container runtime (CRI
/// runtime.v1): a protocol so the pod syncer is tested against an
/// in-memory runtime, and run against containerd through `CRIRuntime`.
public protocol PodRuntime: Sendable {
    /// "containerd 1.6.20", for the Node's containerRuntimeVersion.
    func version() async throws -> (name: String, version: String)
    /// The image's id when the runtime has it, nil when it does not.
    func imageID(_ image: String) async throws -> String?
    func runSandbox(_ config: Runtime_V1_PodSandboxConfig) async throws -> String
    func sandboxes() async throws -> [Runtime_V1_PodSandbox]
    func sandboxStatus(_ id: String) async throws -> Runtime_V1_PodSandboxStatus
    func stopSandbox(_ id: String) async throws
    func removeSandbox(_ id: String) async throws
    func containers(sandbox id: String) async throws -> [Runtime_V1_Container]
    func containerStatus(_ id: String) async throws -> Runtime_V1_ContainerStatus
    func createContainer(sandbox id: String, _ config: Runtime_V1_ContainerConfig, _ sandboxConfig: Runtime_V1_PodSandboxConfig)
        async throws -> String
    func startContainer(_ id: String) async throws
    /// Stops it: SIGTERM, SIGKILL after `timeoutSeconds`.
    func stopContainer(_ id: String, timeoutSeconds: Int64) async throws
    func removeContainer(_ id: String) async throws
    /// Runs `command` in the container; its exit code.
    func exec(_ id: String, _ command: [String], timeoutSeconds: Int64) async throws -> Int32
}
