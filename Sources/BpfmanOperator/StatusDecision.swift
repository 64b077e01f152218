import BpfmanAPI

/// What one user object's status should say, from its per-node BpfPrograms
/// and the nodes where the bpfman daemon runs (operator spec §4.2) — pure.
///
/// Differences from upstream, on purpose: only nodes that run the daemon are
/// waited for (a node without an agent never blocks); a BpfProgram that has
/// not reported yet is waiting, not failed; failure messages name each node
/// and carry the agent's cause.
public enum StatusDecision {
    public enum Outcome: Equatable, Sendable {
        case condition(ProgramConditionType, String)
        /// Deleting and no node holds on: the operator's finalizer may go.
        case removeFinalizer
    }

    /// The per-node condition types that are failures (upstream's set).
    public static let failures = Set([
        BpfProgramConditionType.notLoaded, .notUnloaded, .mapOwnerNotFound, .mapOwnerNotLoaded, .bytecodeSelectorError,
    ].map(\.rawValue))

    /// Longest cause quoted per node, and longest message (the CRDs allow 32768).
    static let causeLimit = 1024
    static let messageLimit = 32768

    public static func decide(deleting: Bool, programs: [BpfProgram], daemonNodes: Set<String>, agentFinalizer: String,
                              ownerName: String = "") -> Outcome {
        if !deleting, let problem = BpfProgramLabels.ownerNameProblem(ownerName) {
            return .condition(.reconcileError, "\(ProgramConditionType.reconcileError.defaultMessage): \(problem)")
        }
        let sorted = programs.sorted { (node($0), $0.metadata.name ?? "") < (node($1), $1.metadata.name ?? "") }
        if deleting {
            let holding = sorted.filter { $0.metadata.finalizers?.contains(agentFinalizer) == true }
            guard !holding.isEmpty else { return .removeFinalizer }
            let nodes = Set(holding.map(node)).sorted().joined(separator: ", ")
            return .condition(.deleteError, "Program Deletion failed on the following bpfProgram Objects: [\(names(holding))]; waiting for node(s) \(nodes) to unload")
        }
        guard !daemonNodes.isEmpty else {
            return .condition(.notYetLoaded, "\(ProgramConditionType.notYetLoaded.defaultMessage): no node runs the bpfman daemon yet")
        }
        let current = sorted.filter { daemonNodes.contains(node($0)) }
        let reported = current.filter { !($0.status?.conditions ?? []).isEmpty }
        let silent = daemonNodes.subtracting(reported.map(node)).sorted()
        let failed = reported.filter { failures.contains($0.status?.conditions?.first?.type ?? "") }
        if !failed.isEmpty {
            var message = "bpfProgramReconciliation failed on the following bpfProgram Objects: [\(names(failed))]"
            for bp in failed {
                let c = bp.status?.conditions?.first
                message += "\n\(node(bp)) (\(bp.metadata.name ?? "")): \(c?.type ?? ""): \(clip(c?.message ?? ""))"
            }
            if !silent.isEmpty { message += "\nnot reported yet: \(silent.joined(separator: ", "))" }
            return .condition(.reconcileError, clip(message, to: messageLimit))
        }
        if !silent.isEmpty {
            return .condition(.notYetLoaded, "\(ProgramConditionType.notYetLoaded.defaultMessage): waiting for \(silent.joined(separator: ", "))")
        }
        return .condition(.reconcileSuccess, ProgramConditionType.reconcileSuccess.defaultMessage)
    }

    static func node(_ bp: BpfProgram) -> String { bp.metadata.labels?[BpfProgramLabels.hostname] ?? "" }
    static func names(_ bps: [BpfProgram]) -> String { bps.map { $0.metadata.name ?? "" }.joined(separator: " ") }

    static func clip(_ s: String, to limit: Int = causeLimit) -> String {
        guard s.utf8.count > limit else { return s }
        var out = ""
        for ch in s {
            if out.utf8.count + ch.utf8.count > limit - 3 { break }
            out.append(ch)
        }
        return out + "…"
    }
}
