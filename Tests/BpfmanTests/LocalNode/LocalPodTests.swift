import Foundation
import Testing
import TestHelpers

/// Pods applied with kubectl run for real on a local node: containerd (CRI)
/// under kubesim-kubelet, a network namespace and IP per pod, status from
/// what the runtime says, and nothing left after a delete.
@Suite("Local nodes: real pods under the node's containerd", .serialized,
       .enabled(if: Tier.kernel, "needs root: network and mount namespaces, containerd and runc"))
struct LocalPodTests {
    static let web = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: default, labels: {app: web}}
        spec:
          nodeName: node-a
          containers:
          - name: httpd
            image: bpfman.local/busybox:1.35
            command: [/bin/sh, -c, "echo served by $POD_NAME on $NODE > /www/index.html; exec httpd -f -p 8080 -h /www"]
            env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
            volumeMounts: [{name: www, mountPath: /www}]
            readinessProbe: {httpGet: {path: /index.html, port: 8080}}
          volumes: [{name: www, emptyDir: {}}]
        """

    @Test("a Pod applied with kubectl runs with a real pod IP and serves on it; kubectl delete removes its containers, sandbox, netns and volumes")
    func podLifecycle() async throws {
        let cluster = try await LocalNodes()
        defer { cluster.stop() }
        try await cluster.up("node-a", index: 1)
        let node = try await cluster.json(["node", "node-a"])
        let addresses = ((node["status"] as? [String: Any])?["addresses"] as? [[String: Any]]) ?? []
        #expect(addresses.contains { $0["type"] as? String == "InternalIP" && $0["address"] as? String == "10.212.0.11" })
        let runtime = (((node["status"] as? [String: Any])?["nodeInfo"] as? [String: Any])?["containerRuntimeVersion"] as? String) ?? ""
        #expect(runtime.hasPrefix("containerd://1."), "containerRuntimeVersion \(runtime)")

        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.web).ok)
        var status: [String: Any] = [:]
        try await cluster.eventually("pod web Running and Ready") {
            status = try await cluster.podStatus("web")
            let ready = (status["conditions"] as? [[String: Any]])?.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
            return status["phase"] as? String == "Running" && ready == true
        }
        let ip = try #require(status["podIP"] as? String)
        #expect(ip.hasPrefix("10.244.1."), "pod IP \(ip) from the node's pod range")
        #expect(status["hostIP"] as? String == "10.212.0.11")
        let containerID = try #require(((status["containerStatuses"] as? [[String: Any]])?.first?["containerID"] as? String))
        #expect(containerID.hasPrefix("containerd://"))
        // The pod's own address answers from the machine (a route to the node's pod range), with what the container wrote.
        let page = try Shell.run(Which.path("curl"), ["-s", "-m", "5", "http://\(ip):8080/index.html"])
        #expect(page.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "served by web on node-a", "curl: \(page.stdout) \(page.stderr)")
        let containers = try cluster.ctr("node-a", ["containers", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
        #expect(containers.contains(String(containerID.dropFirst("containerd://".count))))
        #expect(containers.count == 2, "the sandbox and the httpd container: \(containers)")
        let netns = try cluster.exec("node-a", ["ls", "/run/netns"]).stdout.split(separator: "\n")
        #expect(netns.count == 1, "one pod network namespace: \(netns)")
        let uid = try #require(((try await cluster.json(["pod", "web"]))["metadata"] as? [String: Any])?["uid"] as? String)
        #expect(FileManager.default.fileExists(atPath: "\(cluster.state)/nodes/node-a/kubelet/pods/\(uid)/volumes/www/index.html"))

        #expect(try await cluster.kubectl(["delete", "pod", "web"]).ok)
        try await cluster.eventually("the pod's containers and sandbox gone") {
            try cluster.ctr("node-a", ["containers", "ls", "-q"]).stdout.isEmpty
        }
        #expect(try cluster.exec("node-a", ["ls", "/run/netns"]).stdout.isEmpty, "the pod's netns is gone")
        #expect(!FileManager.default.fileExists(atPath: "\(cluster.state)/nodes/node-a/kubelet/pods/\(uid)"), "its volumes are gone")
        #expect(try Shell.run(Which.path("curl"), ["-s", "-m", "2", "http://\(ip):8080/"]).ok == false, "nothing answers on \(ip)")
    }

    @Test("a pod asking for what the stand-in does not do fails with every reason; a missing image is a clear waiting reason")
    func refusedAndMissing() async throws {
        let cluster = try await LocalNodes()
        defer { cluster.stop() }
        try await cluster.up("node-a", index: 1)
        let refused = """
            apiVersion: v1
            kind: Pod
            metadata: {name: refused, namespace: default}
            spec:
              nodeName: node-a
              containers: [{name: c, image: bpfman.local/busybox:1.35, volumeMounts: [{name: creds, mountPath: /creds}]}]
              volumes: [{name: creds, secret: {secretName: creds}}]
            """
        let missing = """
            apiVersion: v1
            kind: Pod
            metadata: {name: missing, namespace: default}
            spec:
              nodeName: node-a
              containers: [{name: c, image: quay.io/nowhere/nothing:1}]
            """
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: refused + "\n---\n" + missing).ok)
        try await cluster.eventually("refused pod Failed") { (try await cluster.podStatus("refused"))["phase"] as? String == "Failed" }
        let r = try await cluster.podStatus("refused")
        #expect(r["reason"] as? String == "UnsupportedPodSpec")
        #expect((r["message"] as? String ?? "").contains("secret volumes are not supported"), "\(r["message"] ?? "")")
        var waiting: [String: Any] = [:]
        try await cluster.eventually("missing image reported") {
            let s = try await cluster.podStatus("missing")
            waiting = (((s["containerStatuses"] as? [[String: Any]])?.first?["state"] as? [String: Any])?["waiting"] as? [String: Any]) ?? [:]
            return (waiting["message"] as? String ?? "").contains("not on this node")
        }
        #expect((waiting["message"] as? String ?? "").contains("quay.io/nowhere/nothing:1"))
        #expect(try await cluster.podStatus("missing")["phase"] as? String == "Pending")
        #expect(try cluster.ctr("node-a", ["containers", "ls", "-q"]).stdout.isEmpty, "neither pod left a sandbox")
    }

    @Test("a node going down leaves nothing: no namespace, bridge, route, mount, containerd or shim of it")
    func nodeDownLeavesNothing() async throws {
        let cluster = try await LocalNodes()
        try await cluster.up("node-a", index: 1)
        #expect(try await cluster.kubectl(["apply", "-f", "-"], stdin: Self.web).ok)
        try await cluster.eventually("pod web Running") { (try await cluster.podStatus("web"))["phase"] as? String == "Running" }
        let state = cluster.state
        cluster.stop()
        #expect(!(try Shell.sh("ip netns list")).contains("bpfman-node-node-a"))
        #expect(!(try Shell.sh("ip -o link show")).contains("bpfkind0"))
        #expect(!(try Shell.sh("ip route show")).contains("10.244.1.0/24"))
        #expect(!(try Shell.sh("cat /proc/self/mountinfo")).contains(state))
        #expect(try Shell.sh("pgrep -f '[c]ontainerd --config /etc/containerd-node' || true").isEmpty)
        #expect(try Shell.sh("pgrep -f '[c]ontainerd-shim-runc-v2' || true").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: state))
    }
}
