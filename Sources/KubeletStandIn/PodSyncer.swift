import CRI
import Foundation
import GRPCCore
import KubeClient
import Logging
import Synchronization

/// Makes the runtime hold what one Pod asks for, and the Pod's status say
/// what the runtime holds: sandbox, volumes, containers (restarted as the
/// restart policy says), readiness; and when the Pod is gone, nothing of it
/// left (containers, sandbox with its network namespace and IP, volumes).
public final class PodSyncer: Sendable {
    public struct Ports: Sendable {
        /// A ConfigMap's data, nil when there is none.
        public var configMap: @Sendable (_ namespace: String, _ name: String) async throws -> [String: String]?
        /// Writes the Pod's status (only called when it changed).
        public var writeStatus: @Sendable (_ pod: LocalPod, _ status: AnyJSON) async throws -> Void
        /// Writes the pod's ServiceAccount credentials under its directory; the directory, nil when it gets none.
        public var serviceAccount: (@Sendable (_ pod: LocalPod, _ podDir: String) async throws -> String?)?

        public init(configMap: @escaping @Sendable (String, String) async throws -> [String: String]?,
                    writeStatus: @escaping @Sendable (LocalPod, AnyJSON) async throws -> Void)
        {
            self.configMap = configMap
            self.writeStatus = writeStatus
        }
    }

    let runtime: any PodRuntime
    let node: NodeFacts
    let ports: Ports
    let probes: ProbeRunner
    let logger: Logger
    /// Last status written per pod UID (no write when nothing changed).
    private let written = Mutex<[String: AnyJSON]>([:])

    public init(runtime: any PodRuntime, node: NodeFacts, ports: Ports, logger: Logger) {
        self.runtime = runtime
        self.node = node
        self.ports = ports
        self.probes = ProbeRunner(runtime: runtime)
        self.logger = logger
    }

    /// Brings one live Pod along; when to look again (container exits, probes).
    public func sync(_ pod: LocalPod) async throws -> Duration {
        var plan: PodRunPlan
        do {
            plan = try PodRunPlan(pod: pod, node: node)
        } catch {
            try await report(pod, PodObservation(refusal: error))
            return .seconds(60)
        }
        var observed = PodObservation()
        let sandbox: String
        switch try await ensureSandbox(pod, &plan) {
        case .failure(let message):
            observed.sandboxError = message.description
            try await report(pod, observed)
            return .seconds(5)
        case .success(let id):
            sandbox = id
        }
        let status = try await runtime.sandboxStatus(sandbox)
        observed.sandboxReady = status.state == .sandboxReady
        observed.podIP = (pod.spec.hostNetwork ?? false) ? node.nodeIP : status.network.ip
        observed.startTime = Self.time(status.createdAt)
        var next: Duration = .seconds(2)
        let existing = try await runtime.containers(sandbox: sandbox)
        var configMaps: [String: [String: String]] = [:]
        for name in plan.envConfigMaps {
            if let data = try await ports.configMap(pod.metadata.namespace ?? "default", name) { configMaps[name] = data }
        }
        let run = ContainerRun(pod: pod, plan: plan, sandbox: sandbox, podIP: observed.podIP ?? "", configMaps: configMaps)
        // Init containers one after another, each to success, before any container.
        for c in plan.initContainers {
            let (obs, after) = try await ensureContainer(c, run, existing: existing.filter { $0.metadata.name == c.name }, isInit: true)
            observed.initContainers.append(obs)
            if let after { next = min(next, after) }
            if case .terminated(0, _, _, _) = obs.state { continue }
            observed.initialized = false
            break
        }
        if observed.initialized {
            for c in plan.containers {
                let (obs, after) = try await ensureContainer(c, run, existing: existing.filter { $0.metadata.name == c.name }, isInit: false)
                observed.containers.append(obs)
                if let after { next = min(next, after) }
            }
        }
        try await report(pod, observed)
        return next
    }

    /// What every container of one pod's pass shares.
    struct ContainerRun {
        var pod: LocalPod
        var plan: PodRunPlan
        var sandbox: String
        var podIP: String
        var configMaps: [String: [String: String]]
    }

    /// The pod's ready sandbox, made (volumes, images checked, then the sandbox) when it has none.
    private func ensureSandbox(_ pod: LocalPod, _ plan: inout PodRunPlan) async throws -> Result<String, SandboxError> {
        let uid = pod.metadata.uid ?? ""
        let mine = try await runtime.sandboxes().filter { $0.metadata.uid == uid }
        let tokenDir = plan.podDir + "/volumes/kube-api-access"
        if let ready = mine.first(where: { $0.state == .sandboxReady }) {
            if FileManager.default.fileExists(atPath: tokenDir + "/token") { plan.serviceAccountMount = tokenDir }
            return .success(ready.id)
        }
        // A sandbox that stopped (its pause process died, a runtime restart) is replaced, as the kubelet does.
        for old in mine {
            try? await runtime.stopSandbox(old.id)
            try? await runtime.removeSandbox(old.id)
        }
        for c in plan.containers where try await runtime.imageID(c.image) == nil {
            return .failure(SandboxError("container \"\(c.name)\": image \(c.image) is not on this node (nothing is pulled here: "
                + "import it into the node's containerd)"))
        }
        do {
            try await VolumeMaker(ports: ports).make(plan, pod: pod, node: node)
            plan.serviceAccountMount = try await ports.serviceAccount?(pod, plan.podDir)
        } catch {
            return .failure(SandboxError("volumes: \(error)"))
        }
        try FileManager.default.createDirectory(atPath: plan.podDir + "/logs", withIntermediateDirectories: true)
        do {
            let id = try await runtime.runSandbox(plan.sandbox)
            logger.info("pod sandbox running", metadata: ["pod": "\(pod.metadata.namespace ?? "")/\(pod.name)", "sandbox": "\(id.prefix(12))"])
            return .success(id)
        } catch {
            return .failure(SandboxError("RunPodSandbox: \(Self.describe(error))"))
        }
    }

    struct SandboxError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// One container: made and started when missing, restarted when it exited
    /// and the policy says so (after a back-off doubling from 10 s to 5 min),
    /// or when its liveness probe failed its threshold. An init container
    /// that succeeded stays as it is.
    private func ensureContainer(_ c: LocalPod.Container, _ run: ContainerRun, existing: [Runtime_V1_Container],
                                 isInit: Bool) async throws -> (PodObservation.Container, Duration?)
    {
        let latest = existing.max { $0.metadata.attempt < $1.metadata.attempt }
        var obs = PodObservation.Container(name: c.name, image: c.image, state: .waiting(reason: "ContainerCreating", message: ""))
        guard let latest else { return try await start(c, run, attempt: 0, obs) }
        let s = try await runtime.containerStatus(latest.id)
        obs.id = latest.id
        obs.imageRef = s.imageRef
        obs.restartCount = Int(latest.metadata.attempt)
        switch s.state {
        case .containerRunning:
            obs.state = .running(startedAt: Self.time(s.startedAt))
            if let probe = c.livenessProbe, await !probes.alive(c, probe: probe, containerID: latest.id, podIP: run.podIP, startedAt: s.startedAt) {
                logger.info("liveness probe failed its threshold: restarting the container",
                            metadata: ["pod": "\(run.pod.metadata.namespace ?? "")/\(run.pod.name)", "container": "\(c.name)"])
                try await runtime.stopContainer(latest.id, timeoutSeconds: run.pod.spec.terminationGracePeriodSeconds ?? 30)
                return (obs, .milliseconds(200))
            }
            obs.ready = isInit ? false : await probes.ready(c, containerID: latest.id, podIP: run.podIP)
            return (obs, nil)
        case .containerExited:
            obs.state = .terminated(exitCode: s.exitCode, reason: s.reason.isEmpty ? (s.exitCode == 0 ? "Completed" : "Error") : s.reason,
                                    startedAt: Self.time(s.startedAt), finishedAt: Self.time(s.finishedAt))
            let policy = run.pod.spec.restartPolicy ?? "Always"
            if isInit && s.exitCode == 0 { return (obs, nil) }
            let restarts = isInit ? policy != "Never" : (policy == "Always" || (policy == "OnFailure" && s.exitCode != 0))
            guard restarts else { return (obs, .seconds(30)) }
            let backoff = Self.backoff(restarts: Int(latest.metadata.attempt))
            let since = Duration.nanoseconds(max(0, Int64(Date().timeIntervalSince1970 * 1e9) - s.finishedAt))
            if since < backoff {
                obs.state = .waiting(reason: "CrashLoopBackOff",
                                     message: "back-off \(backoff) restarting failed container \(c.name) (exit code \(s.exitCode))")
                return (obs, backoff - since)
            }
            for old in existing { try? await runtime.removeContainer(old.id) }
            return try await start(c, run, attempt: latest.metadata.attempt + 1, obs)
        default:
            // Created but not started (the stand-in stopped between the two): start it again from scratch.
            try? await runtime.removeContainer(latest.id)
            return try await start(c, run, attempt: latest.metadata.attempt + 1, obs)
        }
    }

    private func start(_ c: LocalPod.Container, _ run: ContainerRun, attempt: UInt32,
                       _ base: PodObservation.Container) async throws -> (PodObservation.Container, Duration?)
    {
        var obs = base
        obs.restartCount = Int(attempt)
        if let missing = run.plan.missingEnv(c, configMaps: run.configMaps) {
            obs.state = .waiting(reason: "CreateContainerConfigError", message: missing)
            return (obs, .seconds(5))
        }
        var config = run.plan.containerConfig(c, podIP: run.podIP, configMaps: run.configMaps)
        config.metadata.attempt = attempt
        config.logPath = "\(c.name)/\(attempt).log"
        let id: String
        do {
            id = try await runtime.createContainer(sandbox: run.sandbox, config, run.plan.sandbox)
        } catch {
            obs.state = .waiting(reason: "CreateContainerError", message: Self.describe(error))
            return (obs, .seconds(10))
        }
        obs.id = id
        do {
            try await runtime.startContainer(id)
        } catch {
            obs.state = .waiting(reason: "RunContainerError", message: Self.describe(error))
            return (obs, .seconds(10))
        }
        obs.state = .running(startedAt: Self.time(Int64(Date().timeIntervalSince1970 * 1e9)))
        return (obs, .milliseconds(500))
    }

    /// Removes everything of the pod with this UID: containers, sandboxes
    /// (their network namespaces and IPs go with them), its directory.
    /// The sandbox is stopped first, which stops every container in it: a
    /// container starting or exiting at that moment cannot fail its removal.
    public func kill(uid: String) async throws {
        for s in try await runtime.sandboxes() where s.metadata.uid == uid {
            try await runtime.stopSandbox(s.id)
            for c in try await runtime.containers(sandbox: s.id) { try await runtime.removeContainer(c.id) }
            try await runtime.removeSandbox(s.id)
            logger.info("pod sandbox removed", metadata: ["pod": "\(s.metadata.namespace)/\(s.metadata.name)", "sandbox": "\(s.id.prefix(12))"])
        }
        try? FileManager.default.removeItem(atPath: "\(node.podsRoot)/\(uid)")
        _ = written.withLock { $0.removeValue(forKey: uid) }
    }

    /// The UIDs of every pod the runtime holds a sandbox for.
    public func runtimePodUIDs() async throws -> Set<String> {
        Set(try await runtime.sandboxes().map(\.metadata.uid))
    }

    private func report(_ pod: LocalPod, _ o: PodObservation) async throws {
        let uid = pod.metadata.uid ?? ""
        let now = Self.time(Int64(Date().timeIntervalSince1970 * 1e9))
        var status = PodStatusReport.status(of: pod, observed: o, hostIP: node.nodeIP, now: now)
        status = PodStatusReport.keepingTransitionTimes(status, from: written.withLock { $0[uid] } ?? pod.status)
        if written.withLock({ $0[uid] }) == status { return }
        try await ports.writeStatus(pod, status)
        written.withLock { $0[uid] = status }
    }

    static func backoff(restarts: Int) -> Duration { .seconds(min(300, 10 << min(restarts, 5))) }

    /// RFC 3339 from CRI nanoseconds.
    static func time(_ ns: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? RPCError { return "\(e.code): \(e.message)" }
        return "\(error)"
    }
}
