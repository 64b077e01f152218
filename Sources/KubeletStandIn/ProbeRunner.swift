import AsyncHTTPClient
import NIOCore

/// Readiness as the kubelet judges it: no probe means ready once running;
/// an exec probe is ready on exit code 0, an httpGet probe on a 2xx or 3xx
/// answer from the pod's IP (the node's for hostNetwork pods).
struct ProbeRunner: Sendable {
    let runtime: any PodRuntime

    func ready(_ c: LocalPod.Container, containerID: String, podIP: String) async -> Bool {
        guard let probe = c.readinessProbe else { return true }
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
