import BpfmanAPI
import BpfmanProto
import CRI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KubeClient

/// Finds the containers of this node's pods through the node's CRI runtime
/// (runtime.v1 over its socket): each pod's sandbox by UID, its running
/// containers, each container's pid from the runtime's verbose status.
public final class CRIContainerFinder: Sendable {
    private let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let stub: Runtime_V1_RuntimeService.Client<HTTP2ClientTransport.Posix>

    let socketPath: String

    public init(socketPath: String) throws {
        self.socketPath = socketPath
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        grpc = GRPCClient(transport: transport)
        stub = Runtime_V1_RuntimeService.Client(wrapping: grpc)
    }

    public func run() async throws { try await grpc.runConnections() }
    public func close() { grpc.beginGracefulShutdown() }

    private var options: CallOptions {
        var o = CallOptions.defaults
        o.timeout = .seconds(10)
        o.waitForReady = true
        return o
    }

    /// The running containers of `pods` (optionally only those named), with
    /// pids. A runtime that does not answer is an error that says which.
    public func containers(of pods: [PodObject], names: [String]?) async throws -> [ContainerTarget] {
        guard !pods.isEmpty else { return [] }
        do {
            return try await listContainers(of: pods, names: names)
        } catch let e as RPCError {
            throw AgentError("the node's container runtime (CRI at \(socketPath)) did not answer: \(e.code): \(e.message)")
        }
    }

    private func listContainers(of pods: [PodObject], names: [String]?) async throws -> [ContainerTarget] {
        var ready = Runtime_V1_ListPodSandboxRequest()
        ready.filter.state.state = .sandboxReady
        let sandboxes = try await stub.listPodSandbox(ready, options: options).items
        var out: [ContainerTarget] = []
        for pod in pods.sorted(by: { ($0.metadata.namespace ?? "", $0.metadata.name ?? "") < ($1.metadata.namespace ?? "", $1.metadata.name ?? "") }) {
            guard let sandbox = sandboxes.first(where: { $0.metadata.uid == pod.metadata.uid }) else { continue }
            var req = Runtime_V1_ListContainersRequest()
            req.filter.podSandboxID = sandbox.id
            req.filter.state.state = .containerRunning
            for c in try await stub.listContainers(req, options: options).containers.sorted(by: { $0.metadata.name < $1.metadata.name }) {
                if let names, !names.isEmpty, !names.contains(c.metadata.name) { continue }
                var status = Runtime_V1_ContainerStatusRequest()
                status.containerID = c.id
                status.verbose = true
                let info = try await stub.containerStatus(status, options: options).info["info"] ?? ""
                guard let json = try? JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any],
                      let pid = (json["pid"] as? NSNumber)?.int32Value, pid > 0 else { continue }
                out.append(ContainerTarget(pod: pod.metadata.name ?? "", container: c.metadata.name, pid: pid))
            }
        }
        return out
    }
}
