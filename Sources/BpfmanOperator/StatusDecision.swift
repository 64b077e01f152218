import BpfmanAPI

/// What one user object's status should say, from its per-node BpfPrograms
/// and the nodes where the bpfman daemon runs (operator spec §4.2) — pure.
///
/// Differences from upstream, on purpose: only nodes that run the daemon are
/// waited for (a node without an agent never blocks); a BpfProgram that has
/// not reported yet is waiting, not failed; failure messages carry the
/// agent's causes, grouped, with the nodes; and every message counts instead
/// of listing past ten names, so it stays a few KiB on 5,000 nodes.
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

    /// Longest cause quoted, longest message (the CRDs allow 32768), and how
    /// many names, and failure causes, a message lists before it counts the rest:
    /// the message is bounded whatever the number of nodes.
    public static let causeLimit = 1024
    static let messageLimit = 32768
    static let nameLimit = 10
    static let causeGroupLimit = 5

    public static func decide(deleting: Bool, programs: [BpfProgram], daemonNodes: Set<String>, agentFinalizer: String,
                              ownerName: String = "") -> Outcome {
        if !deleting, let problem = BpfProgramLabels.ownerNameProblem(ownerName) {
            return .condition(.reconcileError, "\(ProgramConditionType.reconcileError.defaultMessage): \(problem)")
        }
        let sorted = programs.sorted { (node($0), $0.metadata.name ?? "") < (node($1), $1.metadata.name ?? "") }
        if deleting {
            let holding = sorted.filter { $0.metadata.finalizers?.contains(agentFinalizer) == true }
            guard !holding.isEmpty else { return .removeFinalizer }
            let nodes = Set(holding.map(node)).sorted()
            return .condition(.deleteError, "Program Deletion failed on the following bpfProgram Objects: [\(names(holding))]; waiting for \(count(nodes.count, "node")) to unload: \(listed(nodes))")
        }
        guard !daemonNodes.isEmpty else {
            return .condition(.notYetLoaded, "\(ProgramConditionType.notYetLoaded.defaultMessage): no node runs the bpfman daemon yet")
        }
        let current = sorted.filter { daemonNodes.contains(node($0)) }
        let reported = current.filter { !($0.status?.conditions ?? []).isEmpty }
        let silent = daemonNodes.subtracting(reported.map(node)).sorted()
        let failed = reported.filter { failures.contains($0.status?.conditions?.first?.type ?? "") }
        let progress = "\(daemonNodes.count - silent.count) of \(count(daemonNodes.count, "node")) reported"
        if !failed.isEmpty {
            // Failing nodes first, grouped by cause (often one cause on many nodes), largest group first.
            var message = "bpfProgramReconciliation failed on the following bpfProgram Objects: [\(names(failed))]\n"
                + "\(count(failed.count, "node")) failed, \(progress)"
            var groups: [String: [BpfProgram]] = [:]
            for bp in failed {
                let c = bp.status?.conditions?.first
                groups["\(c?.type ?? ""): \(clip(c?.message ?? ""))", default: []].append(bp)
            }
            let ordered = groups.sorted { ($0.value.count, node($1.value[0])) > ($1.value.count, node($0.value[0])) }
            for (cause, bps) in ordered.prefix(causeGroupLimit) {
                let place = bps.count == 1 ? "\(node(bps[0])) (\(bps[0].metadata.name ?? ""))" : "\(count(bps.count, "node")) (\(listed(bps.map(node))))"
                message += "\n\(place): \(cause)"
            }
            let rest = ordered.dropFirst(causeGroupLimit).reduce(0) { $0 + $1.value.count }
            if rest > 0 { message += "\nand \(count(rest, "more node")) failing with other causes" }
            if !silent.isEmpty { message += "\nnot reported yet: \(listed(silent))" }
            return .condition(.reconcileError, clip(message, to: messageLimit))
        }
        if !silent.isEmpty {
            return .condition(.notYetLoaded, "\(ProgramConditionType.notYetLoaded.defaultMessage): \(progress); waiting for \(listed(silent))")
        }
        return .condition(.reconcileSuccess, ProgramConditionType.reconcileSuccess.defaultMessage)
    }

    /// The first `nameLimit` items, then how many more.
    static func listed(_ items: [String], separator: String = ", ") -> String {
        let shown = items.prefix(nameLimit).joined(separator: separator)
        return items.count > nameLimit ? "\(shown)\(separator)… (+\(items.count - nameLimit) more)" : shown
    }

    static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    static func node(_ bp: BpfProgram) -> String { bp.metadata.labels?[BpfProgramLabels.hostname] ?? "" }
    static func names(_ bps: [BpfProgram]) -> String { listed(bps.map { $0.metadata.name ?? "" }, separator: " ") }

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
