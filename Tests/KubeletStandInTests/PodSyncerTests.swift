import CRI
import Foundation
import KubeClient
import KubeletStandIn
import Logging
import Synchronization
import Testing

@Suite("kubelet stand-in: the pod syncer against an in-memory runtime")
struct PodSyncerTests {
    final class Written: Sendable {
        let statuses = Mutex<[AnyJSON]>([])
        var last: AnyJSON? { statuses.withLock { $0.last } }
        var count: Int { statuses.withLock { $0.count } }
    }

    static func syncer(_ runtime: InMemoryRuntime, _ written: Written, configMaps: [String: [String: String]] = [:]) throws -> PodSyncer {
        let root = NSTemporaryDirectory() + "pods-\(UUID().uuidString.prefix(6))"
        let ports = PodSyncer.Ports(configMap: { _, name in configMaps[name] }, writeStatus: { _, s in written.statuses.withLock { $0.append(s) } })
        return PodSyncer(runtime: runtime, node: NodeFacts(nodeName: "node-a", nodeIP: "10.212.0.11", podsRoot: root), ports: ports,
                         logger: Logger(label: "test"))
    }

    static func phase(_ s: AnyJSON?) -> String? { s?["phase"]?.stringValue }
    static func condition(_ s: AnyJSON?, _ type: String) -> String? {
        s?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }

    @Test("init containers run one after another to success before the containers; the pod is Pending, then Running and Ready; an unchanged pod is not written again")
    func initThenContainers() async throws {
        let runtime = InMemoryRuntime(images: ["i"])
        let written = Written()
        let syncer = try Self.syncer(runtime, written)
        let pod = try Pods.decode(#"{"initContainers":[{"name":"one","image":"i"},{"name":"two","image":"i"}],"containers":[{"name":"main","image":"i"}]}"#)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls == ["RunPodSandbox web", "CreateContainer one#0", "StartContainer one"])
        #expect(Self.phase(written.last) == "Pending" && Self.condition(written.last, "Initialized") == "False")
        runtime.exit("one", code: 0)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.suffix(2) == ["CreateContainer two#0", "StartContainer two"])
        runtime.exit("two", code: 0)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.suffix(2) == ["CreateContainer main#0", "StartContainer main"])
        _ = try await syncer.sync(pod)
        #expect(Self.phase(written.last) == "Running" && Self.condition(written.last, "Ready") == "True")
        #expect(written.last?["podIP"]?.stringValue == "10.244.0.9")
        let inits = written.last?["initContainerStatuses"]?.arrayValue ?? []
        #expect(inits.count == 2 && inits.allSatisfy { $0["state"]?["terminated"]?["reason"]?.stringValue == "Completed" })
        let writes = written.count
        _ = try await syncer.sync(pod)
        #expect(written.count == writes, "nothing changed, nothing written")
    }

    @Test("a failed init container is retried after its back-off and the containers wait; with restartPolicy Never the pod fails")
    func initFailure() async throws {
        let runtime = InMemoryRuntime(images: ["i"])
        let written = Written()
        let syncer = try Self.syncer(runtime, written)
        let pod = try Pods.decode(#"{"initContainers":[{"name":"one","image":"i"}],"containers":[{"name":"main","image":"i"}]}"#)
        _ = try await syncer.sync(pod)
        runtime.exit("one", code: 1)
        _ = try await syncer.sync(pod)
        _ = try await syncer.sync(pod)
        #expect(!runtime.calls.contains("CreateContainer one#1"), "restarted before its 10 s back-off")
        #expect(!runtime.calls.contains("CreateContainer main#0"))
        let reason = written.last?["initContainerStatuses"]?.arrayValue?.first?["state"]?["waiting"]?["reason"]?.stringValue
        #expect(reason == "CrashLoopBackOff")
        runtime.exit("one", code: 1, ago: 11)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.suffix(3) == ["RemoveContainer one", "CreateContainer one#1", "StartContainer one"])

        let never = try Pods.decode(#"{"restartPolicy":"Never","initContainers":[{"name":"one","image":"i"}],"containers":[{"name":"main","image":"i"}]}"#,
                                   name: "never", uid: "uid-2")
        _ = try await syncer.sync(never)
        runtime.exit("one", pod: "never", code: 2)
        _ = try await syncer.sync(never)
        #expect(Self.phase(written.last) == "Failed")
    }

    @Test("a container that exits is restarted with a growing back-off; a failing liveness probe restarts it; a missing image and a missing ConfigMap key are waiting reasons")
    func restartsAndReasons() async throws {
        let runtime = InMemoryRuntime(images: ["i"])
        let written = Written()
        let syncer = try Self.syncer(runtime, written, configMaps: ["cfg": ["level": "info"]])
        let pod = try Pods.decode(#"""
            {"containers":[{"name":"main","image":"i","livenessProbe":{"exec":{"command":["true"]},"failureThreshold":2},
             "env":[{"name":"L","valueFrom":{"configMapKeyRef":{"name":"cfg","key":"level"}}}]}]}
            """#)
        _ = try await syncer.sync(pod)
        runtime.exit("main", code: 3, ago: 11)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.suffix(2) == ["CreateContainer main#1", "StartContainer main"])
        #expect(try await syncer.sync(pod) <= .seconds(2))
        runtime.exit("main", code: 3, ago: 11)
        _ = try await syncer.sync(pod)
        #expect(!runtime.calls.contains("CreateContainer main#2"), "the second restart waits 20 s, not 10")
        runtime.exit("main", code: 3, ago: 21)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.last == "StartContainer main")
        #expect(written.last?["containerStatuses"]?.arrayValue?.first?["restartCount"] == 2)

        runtime.setExec(exitCode: 1)
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.last != "StopContainer main", "one failure is below the threshold of 2")
        _ = try await syncer.sync(pod)
        #expect(runtime.calls.last == "StopContainer main")

        let missingImage = try Pods.decode(#"{"containers":[{"name":"c","image":"nowhere/x:1"}]}"#, name: "noimage", uid: "uid-3")
        _ = try await syncer.sync(missingImage)
        let waiting = written.last?["containerStatuses"]?.arrayValue?.first?["state"]?["waiting"]
        #expect(waiting?["message"]?.stringValue?.contains("image nowhere/x:1 is not on this node") == true)
        let missingKey = try Pods.decode(#"""
            {"containers":[{"name":"c","image":"i","env":[{"name":"X","valueFrom":{"configMapKeyRef":{"name":"cfg","key":"absent"}}}]}]}
            """#, name: "nokey", uid: "uid-4")
        _ = try await syncer.sync(missingKey)
        let configError = written.last?["containerStatuses"]?.arrayValue?.first?["state"]?["waiting"]
        #expect(configError?["reason"]?.stringValue == "CreateContainerConfigError")
        #expect(configError?["message"]?.stringValue == "key absent not in configmap \"cfg\" (env X)")
    }

    @Test("kill stops the sandbox (and so every container) before removing containers and sandbox and the pod's directory")
    func kill() async throws {
        let runtime = InMemoryRuntime(images: ["i"])
        let syncer = try Self.syncer(runtime, Written())
        let pod = try Pods.decode(#"{"containers":[{"name":"main","image":"i"}]}"#)
        _ = try await syncer.sync(pod)
        #expect(try await syncer.runtimePodUIDs() == ["uid-1"])
        try await syncer.kill(uid: "uid-1")
        #expect(try await syncer.runtimePodUIDs().isEmpty)
        #expect(runtime.calls.suffix(3) == ["StopPodSandbox", "RemoveContainer main", "RemovePodSandbox"])
    }
}
