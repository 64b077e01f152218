import CRI
import Foundation
import KubeClient
import KubeletStandIn
import Testing

/// Pods as the API server serves them (JSON), with the fields a test sets.
enum Pods {
    static func decode(_ spec: String, name: String = "web", uid: String = "uid-1") throws -> LocalPod {
        let json = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"apps","uid":"\#(uid)","labels":{"app":"web"}},"spec":\#(spec)}"#
        return try JSONDecoder().decode(LocalPod.self, from: Data(json.utf8))
    }
}

@Suite("kubelet stand-in: a Pod's CRI plan")
struct PodRunPlanTests {
    static let node = NodeFacts(nodeName: "node-a", nodeIP: "10.212.0.10", podsRoot: "/var/lib/kubelet/pods",
                                serviceEnv: ["KUBERNETES_SERVICE_HOST": "10.212.0.1", "KUBERNETES_SERVICE_PORT": "6443"])

    @Test("the sandbox carries the pod's identity, labels, own network and pid namespaces, and a log directory under the pod")
    func sandbox() throws {
        let plan = try PodRunPlan(pod: try Pods.decode(#"{"nodeName":"node-a","containers":[{"name":"c","image":"busybox"}]}"#), node: Self.node)
        #expect(plan.sandbox.metadata.name == "web" && plan.sandbox.metadata.namespace == "apps" && plan.sandbox.metadata.uid == "uid-1")
        #expect(plan.sandbox.hostname == "web")
        #expect(plan.sandbox.labels["app"] == "web" && plan.sandbox.labels[PodRunPlan.podUIDLabel] == "uid-1")
        #expect(plan.sandbox.linux.securityContext.namespaceOptions.network == .pod)
        #expect(plan.sandbox.linux.securityContext.namespaceOptions.pid == .container)
        #expect(!plan.sandbox.linux.securityContext.privileged)
        #expect(plan.sandbox.logDirectory == "/var/lib/kubelet/pods/uid-1/logs")
    }

    @Test("hostNetwork: the node's network namespace and no hostname; a privileged container makes the sandbox privileged")
    func hostNetworkPrivileged() throws {
        let pod = try Pods.decode(#"""
            {"hostNetwork":true,"containers":[{"name":"agent","image":"agent",
             "securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN"]}}}]}
            """#)
        let plan = try PodRunPlan(pod: pod, node: Self.node)
        #expect(plan.sandbox.linux.securityContext.namespaceOptions.network == .node)
        #expect(plan.sandbox.hostname == "")
        #expect(plan.sandbox.linux.securityContext.privileged)
        let config = plan.containerConfig(pod.spec.containers[0], podIP: "10.212.0.10")
        #expect(config.linux.securityContext.privileged)
        #expect(config.linux.securityContext.capabilities.addCapabilities == ["NET_ADMIN"])
        #expect(config.linux.securityContext.namespaceOptions.network == .node)
    }

    @Test("container config: image, command and args, env with downward-API values and the API server's address, mounts with propagation")
    func container() throws {
        let pod = try Pods.decode(#"""
            {"containers":[{"name":"c","image":"bpfman.local/busybox:1","command":["/bin/sh"],"args":["-c","sleep 1"],
              "env":[{"name":"PLAIN","value":"x"},
                     {"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}},
                     {"name":"IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
                     {"name":"APP","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}}],
              "volumeMounts":[{"name":"bpffs","mountPath":"/sys/fs/bpf","mountPropagation":"Bidirectional"},
                              {"name":"scratch","mountPath":"/scratch","readOnly":true}]}],
             "volumes":[{"name":"bpffs","hostPath":{"path":"/sys/fs/bpf","type":"DirectoryOrCreate"}},{"name":"scratch","emptyDir":{}}]}
            """#)
        let plan = try PodRunPlan(pod: pod, node: Self.node)
        let config = plan.containerConfig(pod.spec.containers[0], podIP: "10.244.0.5")
        #expect(config.image.image == "bpfman.local/busybox:1")
        #expect(config.command == ["/bin/sh"] && config.args == ["-c", "sleep 1"])
        let env = Dictionary(config.envs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(env["PLAIN"] == "x" && env["NODE"] == "node-a" && env["IP"] == "10.244.0.5" && env["APP"] == "web")
        #expect(env["KUBERNETES_SERVICE_HOST"] == "10.212.0.1" && env["KUBERNETES_SERVICE_PORT"] == "6443")
        #expect(config.mounts.count == 2)
        #expect(config.mounts[0].hostPath == "/sys/fs/bpf" && config.mounts[0].propagation == .propagationBidirectional && !config.mounts[0].readonly)
        #expect(config.mounts[1].hostPath == "/var/lib/kubelet/pods/uid-1/volumes/scratch" && config.mounts[1].readonly)
        #expect(config.labels[PodRunPlan.containerNameLabel] == "c")
    }

    @Test("what the stand-in does not do is refused, every reason named, instead of run without it")
    func refusals() throws {
        let pod = try Pods.decode(#"""
            {"containers":[{"name":"c","image":"i",
              "volumeMounts":[{"name":"missing","mountPath":"/m"},{"name":"s","mountPath":"/s","subPath":"../x"}],
              "env":[{"name":"FROM_SECRET","valueFrom":{"secretKeyRef":{"name":"cm","key":"k"}}}],
              "readinessProbe":{"tcpSocket":{"port":80}}}],
             "volumes":[{"name":"s","secret":{"secretName":"x"}}]}
            """#)
        #expect(throws: PodRefusal.self) { try PodRunPlan(pod: pod, node: Self.node) }
        do {
            _ = try PodRunPlan(pod: pod, node: Self.node)
        } catch {
            for part in ["secret volumes", "\"missing\" names no volume", "subPath ../x leaves the volume", "FROM_SECRET", "readinessProbe"] {
                #expect(error.description.contains(part), "\(part) missing in: \(error.description)")
            }
        }
    }

    @Test("the daemon template's needs: env from a ConfigMap key, a subPath into a ConfigMap volume, runAsUser, fsGroup as a supplemental group")
    func daemonTemplateNeeds() throws {
        let pod = try Pods.decode(#"""
            {"securityContext":{"fsGroup":2000},
             "initContainers":[{"name":"init","image":"i","command":["/bin/true"],"securityContext":{"runAsUser":0}}],
             "containers":[{"name":"c","image":"i",
              "env":[{"name":"LOG","valueFrom":{"configMapKeyRef":{"name":"bpfman-config","key":"bpfman.log.level"}}},
                     {"name":"OPT","valueFrom":{"configMapKeyRef":{"name":"absent","key":"k","optional":true}}}],
              "volumeMounts":[{"name":"config","mountPath":"/etc/bpfman/bpfman.toml","subPath":"bpfman.toml","readOnly":true}]}],
             "volumes":[{"name":"config","configMap":{"name":"bpfman-config"}}]}
            """#)
        let plan = try PodRunPlan(pod: pod, node: Self.node)
        #expect(plan.initContainers.map(\.name) == ["init"] && plan.containers.map(\.name) == ["c"])
        #expect(plan.envConfigMaps == ["bpfman-config", "absent"])
        let c = pod.spec.containers[0]
        #expect(plan.missingEnv(c, configMaps: [:]) == "configmap \"bpfman-config\" not found (env LOG)")
        #expect(plan.missingEnv(c, configMaps: ["bpfman-config": [:]]) == "key bpfman.log.level not in configmap \"bpfman-config\" (env LOG)")
        let maps = ["bpfman-config": ["bpfman.log.level": "debug"]]
        #expect(plan.missingEnv(c, configMaps: maps) == nil, "an optional ConfigMap may be missing")
        let config = plan.containerConfig(c, podIP: "10.244.0.5", configMaps: maps)
        #expect(config.envs.first { $0.key == "LOG" }?.value == "debug")
        #expect(config.mounts[0].hostPath == "/var/lib/kubelet/pods/uid-1/volumes/config/bpfman.toml" && config.mounts[0].readonly)
        #expect(config.linux.securityContext.supplementalGroups == [2000])
        let initConfig = plan.containerConfig(pod.spec.initContainers![0], podIP: "10.244.0.5")
        #expect(initConfig.linux.securityContext.hasRunAsUser && initConfig.linux.securityContext.runAsUser.value == 0)
    }
}
