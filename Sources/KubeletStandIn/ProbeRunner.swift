import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Readiness as the kubelet judges it: no probe means ready once running;
/// an exec probe is ready on exit code 0, an httpGet probe on a 2xx or 3xx
/// answer from the pod's IP (the node's for hostNetwork pods). Liveness uses
/// the same checks, and a container failing it enough times is restarted.
final class ProbeRunner: Sendable {
    let runtime: any PodRuntime
    /// Consecutive liveness failures per container id.
    private let failures = Mutex<[String: Int]>([:])

    init(runtime: any PodRuntime) { self.runtime = runtime }

    func ready(_ c: LocalPod.Container, containerID: String, podIP: String) async -> Bool {
        guard let probe = c.readinessProbe else { return true }
        return await passes(probe, containerID: containerID, podIP: podIP)
    }

    /// False once the liveness probe failed `failureThreshold` (default 3) times
    /// in a row; not probed before `initialDelaySeconds` after the start.
    func alive(_ c: LocalPod.Container, probe: LocalPod.Probe, containerID: String, podIP: String, startedAt: Int64) async -> Bool {
        let running = Double(Int64(Date().timeIntervalSince1970 * 1e9) - startedAt) / 1e9
        if running < Double(probe.initialDelaySeconds ?? 0) { return true }
        let ok = await passes(probe, containerID: containerID, podIP: podIP)
        let count = failures.withLock { f in
            f[containerID] = ok ? 0 : (f[containerID] ?? 0) + 1
            return f[containerID] ?? 0
        }
        if count >= (probe.failureThreshold ?? 3) {
            _ = failures.withLock { $0.removeValue(forKey: containerID) }
            return false
        }
        return true
    }

    private func passes(_ probe: LocalPod.Probe, containerID: String, podIP: String) async -> Bool {
        if let exec = probe.exec {
            return (try? await runtime.exec(containerID, exec.command, timeoutSeconds: 2)) == 0
        }
        if let get = probe.httpGet, case .number(let port) = get.port {
            let host = get.host ?? podIP
            let path = get.path.map { $0.hasPrefix("/") ? $0 : "/" + $0 } ?? "/"
            let hostPart = host.contains(":") ? "[\(host)]" : host
            guard let request = try? HTTPClient.Request(url: "http://\(hostPart):\(Int(port))\(path)") else { return false }
            guard let response = try? await HTTPClient.shared.execute(request: request, deadline: .now() + .seconds(2)).get() else {
                return false
            }
            return (200..<400).contains(Int(response.status.code))
        }
        return false
    }
}
