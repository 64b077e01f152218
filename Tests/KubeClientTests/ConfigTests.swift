import Foundation
import KubeClient
import KubeSim
import Testing

/// kubeconfig loading (merge, contexts, files, exec plugins) and in-cluster config.
@Suite("KubeClient configuration", .serialized)
struct ConfigTests {
    func write(_ path: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

    @Test("a 401 makes the client read its kubeconfig again: a token replaced there is used, the outage is recorded and cleared")
    func tokenReplacedInKubeconfig() async throws {
        try await ClientHarness.with { h in
            let path = h.dir + "/rotating.yaml"
            func kubeconfig(token: String) throws {
                try write(path, """
                apiVersion: v1
                kind: Config
                current-context: c
                clusters: [{name: sim, cluster: {server: "\(h.sim.url)", insecure-skip-tls-verify: true}}]
                users: [{name: u, user: {token: "\(token)"}}]
                contexts: [{name: c, context: {cluster: sim, user: u}}]
                """)
            }
            try kubeconfig(token: "a-token-the-server-does-not-know")
            let client = try KubeClient(config: try KubeConfigLoader.load(path: path), maxRetries: 0)
            defer { Task { try? await client.shutdown() } }
            do {
                _ = try await client.get(ConfigMap.self, namespace: "default", name: "x")
                Issue.record("an unknown token was accepted")
            } catch let e as KubeError {
                #expect(e.reason == .unauthorized, "\(e)")
            }
            #expect(!client.health.isServing && client.health.cause?.contains("401") == true, "\(client.health.cause ?? "-")")

            // The kubeconfig now holds a good token: the next 401 reads it, and the retry gets through.
            try kubeconfig(token: h.sim.adminToken)
            try await Task.sleep(for: .seconds(1.1))
            let retrying = try KubeClient(config: client.config, maxRetries: 2)
            defer { Task { try? await retrying.shutdown() } }
            let made = try await retrying.create(ConfigMap("after-rotation"))
            #expect(made.metadata.uid != nil)
            #expect(retrying.health.isServing && retrying.health.failures == 1, "one 401, then served: \(retrying.health.failures)")
        }
    }

    @Test func mergedKubeconfigsFilesAndExecPlugin() async throws {
        try await ClientHarness.with { h in
            let dir = h.dir
            let ca = h.sim.ca!.certificatePEM
            try write(dir + "/ca.crt", ca)
            try write(dir + "/token", h.sim.adminToken + "\n")
            // The first file sets the current context and a cluster; the second adds a user and
            // a context that the first file's same-named context shadows.
            try write(dir + "/a.yaml", """
            apiVersion: v1
            kind: Config
            current-context: main
            clusters:
            - name: sim
              cluster: {server: "\(h.sim.url)", certificate-authority: ca.crt}
            contexts:
            - name: main
              context: {cluster: sim, user: file-user, namespace: team}
            """)
            try write(dir + "/b.yaml", """
            apiVersion: v1
            kind: Config
            current-context: other
            clusters:
            - name: sim
              cluster: {server: "https://127.0.0.1:1"}
            users:
            - name: file-user
              user: {tokenFile: token}
            - name: exec-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: \(dir)/cred.sh
            contexts:
            - name: main
              context: {cluster: nowhere, user: nobody}
            - name: via-exec
              context: {cluster: sim, user: exec-user}
            """)
            try write(dir + "/cred.sh", """
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"\(h.sim.adminToken)"}}'
            """)
            chmod(dir + "/cred.sh", 0o755)
            let env = ["KUBECONFIG": "\(dir)/a.yaml:\(dir)/b.yaml", "HOME": dir]
            let c = try KubeConfigLoader.load(environment: env)
            #expect(c.server == h.sim.url && c.namespace == "team" && c.tokenFile == dir + "/token" && c.caPEM == ca)
            let client = try KubeClient(config: c)
            let ns: DynamicObject = try await client.get(ResourceInfo(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false), name: "default")
            #expect(ns.name == "default")
            // A rotated token file is read again.
            try write(dir + "/token", "rotated-and-wrong")
            do { _ = try await client.get(ConfigMap.self, namespace: "default", name: "x") } catch let e as KubeError {
                #expect(e.reason == .unauthorized, "\(e)")
            }
            try await client.shutdown()

            let viaExec = try KubeConfigLoader.load(context: "via-exec", environment: env)
            let execClient = try KubeClient(config: viaExec)
            let made = try await execClient.create(ConfigMap("from-exec"))
            #expect(made.metadata.uid != nil)
            try await execClient.shutdown()

            #expect(throws: KubeConfigLoader.LoadError.self) { try KubeConfigLoader.load(context: "absent", environment: env) }
            #expect(throws: KubeConfigLoader.LoadError.self) { try KubeConfigLoader.load(path: dir + "/none.yaml") }
        }
    }

    @Test func inClusterConfiguration() async throws {
        try await ClientHarness.with { h in
            let sa = h.dir + "/sa"
            try FileManager.default.createDirectory(atPath: sa, withIntermediateDirectories: true)
            try write(sa + "/token", h.sim.adminToken)
            try write(sa + "/ca.crt", h.sim.ca!.certificatePEM)
            try write(sa + "/namespace", "bpfman\n")
            let env = ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(h.sim.port)]
            let c = try KubeConfigLoader.inCluster(environment: env, directory: sa)
            #expect(c.server == h.sim.url && c.namespace == "bpfman")
            let client = try KubeClient(config: c)
            let page = try await client.list(ConfigMap.resource, namespace: "default", as: ConfigMap.self)
            #expect(page.items.isEmpty)
            try await client.shutdown()
            #expect(throws: KubeConfigLoader.LoadError.self) { try KubeConfigLoader.inCluster(environment: [:], directory: sa) }
        }
    }
}
