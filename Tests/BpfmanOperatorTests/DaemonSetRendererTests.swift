import BpfmanAPI
import BpfmanOperator
import Foundation
import KubeClient
import Testing

@Suite("the bpfman-daemon DaemonSet rendered from bpfman-config")
struct DaemonSetRendererTests {
    static var configDir: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config").path
    }

    static func config(_ data: [String: String]) -> ConfigMapObject {
        var meta = ObjectMeta(name: "bpfman-config", namespace: "bpfman")
        meta.uid = "cm-uid"
        return ConfigMapObject(metadata: meta, data: data)
    }

    static func container(_ ds: AnyJSON, _ name: String) -> AnyJSON? {
        ds["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    @Test("images, log levels and the agent's addresses from the ConfigMap; pod-template annotations; owner, finalizer, namespace")
    func render() throws {
        let templates = try OperatorTemplates(root: Self.configDir)
        let ds = templates.daemonSet.render(Self.config([
            "bpfman.image": "registry.local/bpfman:v1", "bpfman.agent.image": "registry.local/agent:v1",
            "bpfman.log.level": "debug", "bpfman.agent.log.level": "trace",
            "bpfman.agent.healthprobe.addr": ":9175", "bpfman.agent.metric.addr": "127.0.0.1:9174", "bpfman.toml": "[database]\n",
        ]))
        #expect(ds["metadata"]?["name"]?.stringValue == "bpfman-daemon" && ds["metadata"]?["namespace"]?.stringValue == "bpfman")
        #expect(ds["metadata"]?["finalizers"] == [.string(BpfProgramLabels.operatorFinalizer)])
        #expect(ds["metadata"]?["ownerReferences"]?.arrayValue?.first?["uid"]?.stringValue == "cm-uid")
        #expect(Self.container(ds, "bpfman")?["image"]?.stringValue == "registry.local/bpfman:v1")
        let agent = try #require(Self.container(ds, "bpfman-agent"))
        #expect(agent["image"]?.stringValue == "registry.local/agent:v1")
        let args = agent["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(args.contains("--health-probe-bind-address=:9175") && args.contains("--metrics-bind-address=127.0.0.1:9174"))
        #expect(!args.contains { $0.contains("8175") || $0.contains("8174") })
        let ann = ds["spec"]?["template"]?["metadata"]?["annotations"]
        #expect(ann?["bpfman.io.bpfman.loglevel"]?.stringValue == "debug" && ann?["bpfman.io.bpfman.agent.loglevel"]?.stringValue == "trace")
        #expect(ann?["bpfman.io.bpfman.agent.healthprobeaddr"]?.stringValue == ":9175")
        #expect(ann?["bpfman.io.bpfman.agent.metricaddr"]?.stringValue == "127.0.0.1:9174")
        #expect(ds["spec"]?["template"]?["spec"]?["automountServiceAccountToken"] == true)
        #expect(Self.container(ds, "node-driver-registrar") != nil)

        // Another toml rolls the pods; missing keys keep the template's images.
        let other = templates.daemonSet.render(Self.config(["bpfman.toml": "[database]\nmax_retries = 1\n"]))
        #expect(other["spec"]?["template"]?["metadata"]?["annotations"]?[DaemonSetRenderer.tomlAnnotation]
                != ann?[DaemonSetRenderer.tomlAnnotation])
        #expect(Self.container(other, "bpfman")?["image"]?.stringValue == "quay.io/bpfman/bpfman:latest")
        #expect(templates.csiDriver["metadata"]?["name"]?.stringValue == "csi.bpfman.io")
        #expect(templates.restrictedSCC?["metadata"]?["name"]?.stringValue == "bpfman-restricted")
    }

    @Test("subset comparison: the API server's defaults are not a difference, a changed value is")
    func subset() {
        let rendered: AnyJSON = ["a": "1", "list": [["x": 1]]]
        #expect(rendered.isSubset(of: ["a": "1", "extra": true, "list": [["x": 1, "default": "y"]]]))
        #expect(!rendered.isSubset(of: ["a": "2", "list": [["x": 1]]]))
        #expect(!rendered.isSubset(of: ["a": "1", "list": [["x": 1], ["x": 2]]]))
        #expect(!rendered.isSubset(of: ["list": [["x": 1]]]))
    }
}
