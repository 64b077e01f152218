import Foundation
import KubeClient

/// The ServiceAccount credentials the kubelet puts in every pod that does not
/// opt out (`automountServiceAccountToken: false`): a token from the
/// TokenRequest API, the API server's CA and the namespace, in the files
/// in-cluster clients read.
struct ServiceAccountToken {
    static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

    let client: KubeClient
    let caPEM: String?

    /// The account's directory under the pod's, written; nil when the pod
    /// opts out, or names none and its namespace has no `default` account
    /// (kubesim runs no ServiceAccount controller that would make it).
    func write(for pod: LocalPod, podDir: String) async throws -> String? {
        if pod.spec.automountServiceAccountToken == false { return nil }
        let explicit = pod.spec.serviceAccountName
        let name = explicit ?? "default"
        let ns = pod.metadata.namespace ?? "default"
        let request: AnyJSON = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                "spec": ["expirationSeconds": 86400,
                                         "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": .string(pod.name),
                                                            "uid": .string(pod.metadata.uid ?? "")]]]
        let body = Array(try JSONEncoder().encode(request))
        let answer: AnyJSON
        do {
            let bytes = try await client.send(.POST, "/api/v1/namespaces/\(ns)/serviceaccounts/\(name)/token", body: body)
            answer = try JSONDecoder().decode(AnyJSON.self, from: Data(bytes))
        } catch let e as KubeError where e.isNotFound && explicit == nil {
            return nil
        } catch let e as KubeError where e.isNotFound {
            throw Failure(description: "serviceaccount \(ns)/\(name) not found")
        }
        guard let token = answer["status"]?["token"]?.stringValue else { throw Failure(description: "TokenRequest for \(ns)/\(name) gave no token") }
        let dir = podDir + "/volumes/kube-api-access"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try token.write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try ns.write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        if let caPEM { try caPEM.write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8) }
        return dir
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}
