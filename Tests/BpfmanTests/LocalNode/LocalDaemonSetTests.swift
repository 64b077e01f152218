import Foundation
import Testing
import TestHelpers

/// kubesim-kubelet plays the DaemonSet controller for its own node: one pod
/// per DaemonSet that selects the node, made from the current template, run
/// with what the bpfman-daemon template uses (init container, env from a
/// ConfigMap key, a subPath into a ConfigMap volume, the ServiceAccount's
/// token), replaced when the template changes, gone with the DaemonSet.
@Suite("Local nodes: DaemonSet pods", .serialized,
       .enabled(if: Tier.kernel, "needs root: network and mount namespaces, containerd and runc"))
struct LocalDaemonSetTests {
    static func daemonSet(nodeSelector: String = "{}", note: String = "one") -> String {
        """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: probe, namespace: apps}
        spec:
          selector: {matchLabels: {name: probe}}
          template:
            metadata: {labels: {name: probe}, annotations: {note: \(note)}}
            spec:
              serviceAccountName: prober
              nodeSelector: \(nodeSelector)
              securityContext: {fsGroup: 2000}
              initContainers:
              - name: init
                image: bpfman.local/busybox:1.35
                command: [/bin/sh, -c, "echo ready > /shared/init-done"]
                volumeMounts: [{name: shared, mountPath: /shared}]
              containers:
              - name: main
                image: bpfman.local/busybox:1.35
                command: [/bin/sh, -c, "exec sleep 3600"]
                env:
                - {name: LEVEL, valueFrom: {configMapKeyRef: {name: app-config, key: level}}}
                volumeMounts:
                - {name: shared, mountPath: /shared}
                - {name: config, mountPath: /etc/app/app.toml, subPath: app.toml, readOnly: true}
                readinessProbe:
                  exec:
                    command: [/bin/sh, -c, "test \\"$LEVEL\\" = debug && test -f /shared/init-done && grep -q 'mode = \\"local\\"' /etc/app/app.toml && test -s /var/run/secrets/kubernetes.io/serviceaccount/token && test \\"$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)\\" = apps && id -G | grep -qw 2000"]
              volumes:
              - {name: shared, emptyDir: {}}
              - {name: config, configMap: {name: app-config}}
        """
    }

    static let setup = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: apps}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: prober, namespace: apps}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app-config, namespace: apps}
        data: {level: debug, app.toml: "mode = \\"local\\"\\n"}
        """

    func pod(_ nodes: LocalNodes) async throws -> [String: Any] { try await nodes.json(["pod", "probe-node-a", "-n", "apps"]) }

    @Test("a DaemonSet gets one Ready pod on the node, run as its template says; a changed template replaces it; a selector that no longer takes the node, or deleting the DaemonSet, removes it")
    func daemonSetPods() async throws {
        let nodes = try await LocalNodes()
        defer { nodes.stop() }
        try await nodes.up("node-a", index: 1, labels: ["pool=blue"])
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.setup).ok)
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.daemonSet()).ok)
        try await nodes.eventually("the DaemonSet's pod Ready") {
            let status = try await nodes.podStatus("probe-node-a", namespace: "apps")
            return (status["conditions"] as? [[String: Any]])?.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" } == true
        }
        let first = try await pod(nodes)
        let meta = first["metadata"] as? [String: Any] ?? [:]
        let owner = (meta["ownerReferences"] as? [[String: Any]])?.first
        #expect(owner?["kind"] as? String == "DaemonSet" && owner?["name"] as? String == "probe" && owner?["controller"] as? Bool == true)
        #expect(((first["spec"] as? [String: Any])?["nodeName"] as? String) == "node-a")
        let inits = ((first["status"] as? [String: Any])?["initContainerStatuses"] as? [[String: Any]]) ?? []
        #expect(((inits.first?["state"] as? [String: Any])?["terminated"] as? [String: Any])?["exitCode"] as? Int == 0)
        let uid1 = meta["uid"] as? String ?? ""

        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.daemonSet(note: "two")).ok)
        try await nodes.eventually("the pod replaced from the new template") {
            let p = try await pod(nodes)
            let m = p["metadata"] as? [String: Any] ?? [:]
            return (m["uid"] as? String).map { $0 != uid1 } == true && (m["annotations"] as? [String: String])?["note"] == "two"
        }

        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.daemonSet(nodeSelector: "{pool: green}", note: "two")).ok)
        try await nodes.eventually("no pod where the selector does not take the node") { try await pod(nodes).isEmpty }
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.daemonSet(nodeSelector: "{pool: blue}", note: "two")).ok)
        try await nodes.eventually("a pod again where it does") { try await !pod(nodes).isEmpty }
        #expect(try await nodes.kubectl(["delete", "daemonset", "probe", "-n", "apps"]).ok)
        try await nodes.eventually("the pod gone with its DaemonSet") { try await pod(nodes).isEmpty }
        try await nodes.eventually("its containers gone") { try nodes.ctr("node-a", ["containers", "ls", "-q"]).stdout.isEmpty }
    }

    static func deployment(replicas: Int, note: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}, annotations: {note: \(note)}}
            spec:
              containers: [{name: c, image: bpfman.local/busybox:1.35, command: [/bin/sleep, "3600"]}]
        """
    }

    @Test("a Deployment's pods run on the first Ready node and its status counts them; a new template replaces them, replicas scale")
    func deploymentPods() async throws {
        let nodes = try await LocalNodes()
        defer { nodes.stop() }
        try await nodes.up("node-b", index: 2)
        try await nodes.up("node-a", index: 1)
        func status() async throws -> [String: Any] { (try await nodes.json(["deployment", "web"]))["status"] as? [String: Any] ?? [:] }
        func pods() async throws -> [[String: Any]] { (try await nodes.json(["pods", "-l", "app=web"]))["items"] as? [[String: Any]] ?? [] }
        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.deployment(replicas: 1, note: "one")).ok)
        try await nodes.eventually("one ready replica") { (try await status())["readyReplicas"] as? Int == 1 }
        let first = try await pods()
        #expect(first.count == 1 && ((first[0]["spec"] as? [String: Any])?["nodeName"] as? String) == "node-a", "scheduled on the first node by name")
        let available = ((try await status())["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Available" }
        #expect(available?["status"] as? String == "True")
        let firstName = (first[0]["metadata"] as? [String: Any])?["name"] as? String ?? ""

        #expect(try await nodes.kubectl(["apply", "-f", "-"], stdin: Self.deployment(replicas: 2, note: "two")).ok)
        try await nodes.eventually("two ready replicas of the new template") {
            let p = try await pods()
            let names = p.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
            return (try await status())["readyReplicas"] as? Int == 2 && p.count == 2 && !names.contains(firstName)
        }
        #expect(try await nodes.kubectl(["delete", "deployment", "web"]).ok)
        try await nodes.eventually("pods gone with the Deployment") { try await pods().isEmpty }
    }
}
