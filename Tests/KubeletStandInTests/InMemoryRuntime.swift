import CRI
import Foundation
import KubeletStandIn
import Synchronization

/// A CRI runtime in memory for the syncer's tests: sandboxes and containers
/// with states a test sets (a container exiting, an image missing), and the
/// calls made, in order.
final class InMemoryRuntime: PodRuntime {
    struct State {
        var sandboxes: [String: Runtime_V1_PodSandbox] = [:]
        var containers: [String: (sandbox: String, config: Runtime_V1_ContainerConfig, status: Runtime_V1_ContainerStatus)] = [:]
        var images: Set<String> = []
        var calls: [String] = []
        var execExit: Int32 = 0
        var next = 0
    }

    let state = Mutex(State())

    init(images: Set<String>) { state.withLock { $0.images = images } }

    var calls: [String] { state.withLock { $0.calls } }

    private func id(_ prefix: String) -> String {
        state.withLock { s in
            s.next += 1
            return "\(prefix)\(s.next)"
        }
    }

    private static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    /// The latest attempt of container `name` of pod `pod` exits with `code` (finished `ago` seconds back).
    func exit(_ name: String, pod: String = "web", code: Int32, ago: Double = 0) {
        state.withLock { s in
            let sandboxes = Set(s.sandboxes.values.filter { $0.metadata.name == pod }.map(\.id))
            guard let (id, c) = s.containers.filter({ $0.value.config.metadata.name == name && sandboxes.contains($0.value.sandbox) })
                .max(by: { $0.value.config.metadata.attempt < $1.value.config.metadata.attempt }) else { return }
            var status = c.status
            status.state = .containerExited
            status.exitCode = code
            status.finishedAt = Self.now - Int64(ago * 1e9)
            s.containers[id] = (c.sandbox, c.config, status)
        }
    }

    func setExec(exitCode: Int32) { state.withLock { $0.execExit = exitCode } }

    func version() async throws -> (name: String, version: String) { ("memory", "1") }

    func imageID(_ image: String) async throws -> String? { state.withLock { $0.images.contains(image) ? "sha256:" + image : nil } }

    func runSandbox(_ config: Runtime_V1_PodSandboxConfig) async throws -> String {
        let id = id("sb")
        state.withLock { s in
            var sb = Runtime_V1_PodSandbox()
            sb.id = id
            sb.metadata = config.metadata
            sb.state = .sandboxReady
            sb.createdAt = Self.now
            s.sandboxes[id] = sb
            s.calls.append("RunPodSandbox \(config.metadata.name)")
        }
        return id
    }

    func sandboxes() async throws -> [Runtime_V1_PodSandbox] { state.withLock { Array($0.sandboxes.values) } }

    func sandboxStatus(_ id: String) async throws -> Runtime_V1_PodSandboxStatus {
        try state.withLock { s in
            guard let sb = s.sandboxes[id] else { throw Missing() }
            var st = Runtime_V1_PodSandboxStatus()
            st.id = id
            st.metadata = sb.metadata
            st.state = sb.state
            st.createdAt = sb.createdAt
            st.network.ip = "10.244.0.9"
            return st
        }
    }

    struct Missing: Error {}

    /// As containerd does: every container of the sandbox stopped, then the sandbox.
    func stopSandbox(_ id: String) async throws {
        state.withLock { s in
            s.calls.append("StopPodSandbox")
            for (cid, c) in s.containers where c.sandbox == id && c.status.state == .containerRunning {
                s.containers[cid]?.status.state = .containerExited
                s.containers[cid]?.status.exitCode = 137
            }
            s.sandboxes[id]?.state = .sandboxNotready
        }
    }

    func removeSandbox(_ id: String) async throws {
        state.withLock { s in
            s.calls.append("RemovePodSandbox")
            s.sandboxes[id] = nil
            s.containers = s.containers.filter { $0.value.sandbox != id }
        }
    }

    func containers(sandbox id: String) async throws -> [Runtime_V1_Container] {
        state.withLock { s in
            s.containers.filter { $0.value.sandbox == id }.map { cid, c in
                var r = Runtime_V1_Container()
                r.id = cid
                r.podSandboxID = id
                r.metadata = c.config.metadata
                r.state = c.status.state
                return r
            }
        }
    }

    func containerStatus(_ id: String) async throws -> Runtime_V1_ContainerStatus {
        try state.withLock { s in
            guard let c = s.containers[id] else { throw Missing() }
            return c.status
        }
    }

    func createContainer(sandbox id: String, _ config: Runtime_V1_ContainerConfig, _ sandboxConfig: Runtime_V1_PodSandboxConfig) async throws -> String {
        let cid = self.id("c")
        state.withLock { s in
            var status = Runtime_V1_ContainerStatus()
            status.id = cid
            status.metadata = config.metadata
            status.state = .containerCreated
            s.containers[cid] = (id, config, status)
            s.calls.append("CreateContainer \(config.metadata.name)#\(config.metadata.attempt)")
        }
        return cid
    }

    func startContainer(_ id: String) async throws {
        state.withLock { s in
            s.containers[id]?.status.state = .containerRunning
            s.containers[id]?.status.startedAt = Self.now
            s.calls.append("StartContainer \(s.containers[id]?.config.metadata.name ?? "?")")
        }
    }

    func stopContainer(_ id: String, timeoutSeconds: Int64) async throws {
        state.withLock { s in
            s.containers[id]?.status.state = .containerExited
            s.containers[id]?.status.exitCode = 137
            s.containers[id]?.status.finishedAt = Self.now - 3_600_000_000_000
            s.calls.append("StopContainer \(s.containers[id]?.config.metadata.name ?? "?")")
        }
    }

    /// Refuses a running container, as containerd does when it could not stop it first.
    func removeContainer(_ id: String) async throws {
        try state.withLock { s in
            s.calls.append("RemoveContainer \(s.containers[id]?.config.metadata.name ?? "?")")
            if s.containers[id]?.status.state == .containerRunning { throw StillRunning() }
            s.containers[id] = nil
        }
    }

    struct StillRunning: Error {}

    func exec(_ id: String, _ command: [String], timeoutSeconds: Int64) async throws -> Int32 { state.withLock { $0.execExit } }
}
