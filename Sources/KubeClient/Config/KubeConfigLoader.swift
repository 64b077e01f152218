import Foundation
import Yams

/// Reads kubeconfig files the way kubectl does: `--kubeconfig`, else every
/// file in `KUBECONFIG` merged (the first file to set a name wins), else
/// `~/.kube/config`; then the current (or given) context.
public enum KubeConfigLoader {
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func load(path: String? = nil, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClusterConfig
    {
        let files: [String]
        if let path {
            files = [path]
        } else if let env = environment["KUBECONFIG"], !env.isEmpty {
            files = env.split(separator: ":").map(String.init)
        } else {
            files = [(environment["HOME"] ?? NSHomeDirectory()) + "/.kube/config"]
        }
        var clusters: [String: [String: Any]] = [:], users: [String: [String: Any]] = [:], contexts: [String: [String: Any]] = [:]
        var current: String? = nil
        var baseDirs: [String: String] = [:]
        var readAny = false
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                if path != nil { throw LoadError(description: "kubeconfig \(f) cannot be read") }
                continue
            }
            readAny = true
            guard let doc = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) as? [String: Any] else {
                throw LoadError(description: "kubeconfig \(f) is not a YAML mapping")
            }
            let dir = (f as NSString).deletingLastPathComponent
            func merge(_ key: String, _ into: inout [String: [String: Any]], _ inner: String) {
                for item in doc[key] as? [[String: Any]] ?? [] {
                    guard let name = item["name"] as? String, into[name] == nil else { continue }
                    into[name] = item[inner] as? [String: Any] ?? [:]
                    baseDirs["\(key)/\(name)"] = dir
                }
            }
            merge("clusters", &clusters, "cluster")
            merge("users", &users, "user")
            merge("contexts", &contexts, "context")
            if current == nil, let c = doc["current-context"] as? String, !c.isEmpty { current = c }
        }
        guard readAny else { throw LoadError(description: "no kubeconfig found (tried \(files.joined(separator: ", ")))") }
        guard let ctxName = context ?? current else { throw LoadError(description: "kubeconfig has no current-context") }
        guard let ctx = contexts[ctxName] else { throw LoadError(description: "context \"\(ctxName)\" is not in the kubeconfig") }
        guard let clusterName = ctx["cluster"] as? String, let cluster = clusters[clusterName] else {
            throw LoadError(description: "context \"\(ctxName)\" names cluster \"\(ctx["cluster"] ?? "")\", which is not in the kubeconfig")
        }
        guard let server = cluster["server"] as? String else { throw LoadError(description: "cluster \"\(clusterName)\" has no server") }
        var c = ClusterConfig(server: server)
        let clusterDir = baseDirs["clusters/\(clusterName)"] ?? "."
        c.caPEM = try pem(data: cluster["certificate-authority-data"], file: cluster["certificate-authority"], base: clusterDir, what: "certificate-authority")
        c.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] as? Bool ?? false
        if let ns = ctx["namespace"] as? String, !ns.isEmpty { c.namespace = ns }
        if let userName = ctx["user"] as? String {
            guard let user = users[userName] else { throw LoadError(description: "context \"\(ctxName)\" names user \"\(userName)\", which is not in the kubeconfig") }
            let userDir = baseDirs["users/\(userName)"] ?? "."
            c.token = user["token"] as? String
            if let tf = user["tokenFile"] as? String { c.tokenFile = resolve(tf, base: userDir) }
            c.clientCertificatePEM = try pem(data: user["client-certificate-data"], file: user["client-certificate"], base: userDir, what: "client-certificate")
            c.clientKeyPEM = try pem(data: user["client-key-data"], file: user["client-key"], base: userDir, what: "client-key")
            if let exec = user["exec"] as? [String: Any], let cmd = exec["command"] as? String {
                var env: [String: String] = [:]
                for e in exec["env"] as? [[String: Any]] ?? [] {
                    if let n = e["name"] as? String, let v = e["value"] as? String { env[n] = v }
                }
                c.exec = .init(command: cmd, args: exec["args"] as? [String] ?? [], env: env,
                               apiVersion: exec["apiVersion"] as? String ?? "client.authentication.k8s.io/v1")
            }
        }
        c.reload = { try load(path: path, context: context, environment: environment) }
        return c
    }

    static func resolve(_ p: String, base: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }

    static func pem(data: Any?, file: Any?, base: String, what: String) throws -> String? {
        if let d = data as? String {
            guard let decoded = Data(base64Encoded: d) else { throw LoadError(description: "\(what)-data is not valid base64") }
            return String(decoding: decoded, as: UTF8.self)
        }
        if let f = file as? String {
            let p = resolve(f, base: base)
            guard let d = FileManager.default.contents(atPath: p) else { throw LoadError(description: "\(what) file \(p) cannot be read") }
            return String(decoding: d, as: UTF8.self)
        }
        return nil
    }

    /// The pod's service account: `KUBERNETES_SERVICE_HOST/PORT` and the
    /// token, CA and namespace files (the token file is re-read as it rotates).
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 directory: String = "/var/run/secrets/kubernetes.io/serviceaccount") throws -> ClusterConfig
    {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw LoadError(description: "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let h = host.contains(":") ? "[\(host)]" : host
        var c = ClusterConfig(server: "https://\(h):\(port)")
        c.tokenFile = directory + "/token"
        guard FileManager.default.fileExists(atPath: c.tokenFile!) else {
            throw LoadError(description: "in-cluster token \(c.tokenFile!) is missing")
        }
        c.caPEM = FileManager.default.contents(atPath: directory + "/ca.crt").map { String(decoding: $0, as: UTF8.self) }
        if let ns = FileManager.default.contents(atPath: directory + "/namespace") {
            c.namespace = String(decoding: ns, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return c
    }
}
