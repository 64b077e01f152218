import KubeClient

/// A Pod's `status` from what the runtime says, as the kubelet writes it:
/// phase, conditions, IPs and one containerStatus per container. Pure.
public enum PodStatusReport {
    public static func status(of pod: LocalPod, observed o: PodObservation, hostIP: String, now: String) -> AnyJSON {
        var s: [String: AnyJSON] = ["hostIP": .string(hostIP), "hostIPs": [["ip": .string(hostIP)]]]
        if let r = o.refusal {
            s["phase"] = "Failed"
            s["reason"] = "UnsupportedPodSpec"
            s["message"] = .string("the kubelet stand-in does not run this pod: \(r)")
            s["conditions"] = .array([condition("PodScheduled", true, now)])
            return .object(s)
        }
        if let ip = o.podIP, !ip.isEmpty {
            s["podIP"] = .string(ip)
            s["podIPs"] = [["ip": .string(ip)]]
        }
        if let t = o.startTime { s["startTime"] = .string(t) }
        let byName = Dictionary(o.containers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let containers = pod.spec.containers.map { c in
            byName[c.name] ?? .init(name: c.name, image: c.image,
                                    state: .waiting(reason: o.sandboxError != nil ? "SandboxError" : o.initialized ? "ContainerCreating" : "PodInitializing",
                                                    message: o.sandboxError ?? ""))
        }
        var phase = phase(pod, o, containers)
        let initFailed = o.initContainers.contains { c in
            if case .terminated(let code, _, _, _) = c.state { return code != 0 }
            return false
        }
        if !o.initialized { phase = initFailed && pod.spec.restartPolicy == "Never" ? "Failed" : "Pending" }
        s["phase"] = .string(phase)
        let allReady = o.sandboxReady && o.initialized && containers.allSatisfy { c in
            if case .running = c.state { return c.ready }
            return false
        }
        var conditions = [condition("PodScheduled", true, now), condition("Initialized", o.initialized, now),
                          condition("ContainersReady", allReady, now), condition("Ready", allReady, now)]
        if let e = o.sandboxError {
            conditions[3] = condition("Ready", false, now, reason: "SandboxError", message: e)
        }
        s["conditions"] = .array(conditions)
        s["containerStatuses"] = .array(containers.map(containerStatus))
        if let inits = pod.spec.initContainers, !inits.isEmpty {
            let byInit = Dictionary(o.initContainers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            s["initContainerStatuses"] = .array(inits.map { c in
                containerStatus(byInit[c.name] ?? .init(name: c.name, image: c.image, state: .waiting(reason: "PodInitializing", message: "")))
            })
        }
        return .object(s)
    }

    static func phase(_ pod: LocalPod, _ o: PodObservation, _ containers: [PodObservation.Container]) -> String {
        let exits = containers.compactMap { c -> Int32? in
            if case .terminated(let code, _, _, _) = c.state { return code }
            return nil
        }
        let policy = pod.spec.restartPolicy ?? "Always"
        if exits.count == containers.count && !containers.isEmpty {
            if policy == "Never" || (policy == "OnFailure" && exits.allSatisfy { $0 == 0 }) {
                return exits.allSatisfy { $0 == 0 } ? "Succeeded" : "Failed"
            }
        }
        let started = containers.allSatisfy { c in
            if case .waiting = c.state { return false }
            return true
        }
        return o.sandboxReady && started ? "Running" : "Pending"
    }

    static func condition(_ type: String, _ ok: Bool, _ now: String, reason: String? = nil, message: String? = nil) -> AnyJSON {
        var c: [String: AnyJSON] = ["type": .string(type), "status": ok ? "True" : "False", "lastTransitionTime": .string(now)]
        if let reason { c["reason"] = .string(reason) }
        if let message { c["message"] = .string(message) }
        return .object(c)
    }

    static func containerStatus(_ c: PodObservation.Container) -> AnyJSON {
        var s: [String: AnyJSON] = ["name": .string(c.name), "image": .string(c.image), "imageID": .string(c.imageRef ?? ""),
                                    "ready": .bool(c.ready), "restartCount": .number(Double(c.restartCount))]
        if let id = c.id { s["containerID"] = .string("containerd://" + id) }
        switch c.state {
        case .waiting(let reason, let message):
            s["started"] = false
            s["state"] = ["waiting": message.isEmpty ? ["reason": .string(reason)] : ["reason": .string(reason), "message": .string(message)]]
        case .running(let at):
            s["started"] = true
            s["state"] = ["running": ["startedAt": .string(at)]]
        case .terminated(let code, let reason, let started, let finished):
            s["started"] = false
            s["state"] = ["terminated": ["exitCode": .number(Double(code)), "reason": .string(reason),
                                         "startedAt": .string(started), "finishedAt": .string(finished)]]
        }
        return .object(s)
    }

    /// `status` with each condition's lastTransitionTime taken from `old`
    /// where that condition's status did not change (so an unchanged pod
    /// compares equal and is not written again).
    public static func keepingTransitionTimes(_ status: AnyJSON, from old: AnyJSON?) -> AnyJSON {
        guard let oldConditions = old?["conditions"]?.arrayValue, let conditions = status["conditions"]?.arrayValue else { return status }
        var s = status
        s[member: "conditions"] = .array(conditions.map { c in
            guard let before = oldConditions.first(where: { $0["type"] == c["type"] }), before["status"] == c["status"],
                  let t = before["lastTransitionTime"] else { return c }
            var kept = c
            kept[member: "lastTransitionTime"] = t
            return kept
        })
        return s
    }
}
