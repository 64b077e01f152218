import BpfmanAPI
import Foundation
import KubeClient
import KubeController
import Logging
import Metrics
import Synchronization

/// What every operator reconciler shares: the client, the caches of
/// per-node BpfPrograms and of where the bpfman daemon runs, events and
/// counters. Nothing else is cached cluster-wide: ConfigMaps and DaemonSets
/// only by name (upstream #56 cached every ConfigMap and was OOM-killed).
public final class OperatorContext: Sendable {
    public let client: KubeClient
    public let logger: Logger
    public let events: EventRecorder
    public let resyncPeriod: Duration?
    /// How often a user object's condition message may change under the same type.
    public let statusWrites: StatusWritePolicy
    public let bpfPrograms: Informer<BpfProgram>
    public let bpfNsPrograms: Informer<BpfNsProgram>
    public let nodes: Informer<NodeObject>
    /// Pods of the node daemon (label `name=bpfman-daemon`), in every namespace.
    public let daemonPods: Informer<PodObject>
    /// `bpfman-daemon` DaemonSets, by name.
    public let daemonSets: Informer<DaemonSetObject>
    let apiWrites: Counter
    private let conditions = Mutex<[String: [String: String]]>([:])

    static let ownerIndex = "owner"
    public static let daemonName = "bpfman-daemon"
    public static let daemonPodLabel = "name=bpfman-daemon"

    public init(client: KubeClient, logger: Logger, resyncPeriod: Duration? = .seconds(600),
                statusWrites: StatusWritePolicy = StatusWritePolicy()) {
        self.statusWrites = statusWrites
        self.client = client
        self.logger = logger
        self.resyncPeriod = resyncPeriod
        events = EventRecorder(client: client, component: "bpfman-operator")
        // Each per-node object is found by its controlling owner: kind/name (cluster) or kind/namespace/name.
        let owners: Informer<BpfProgram>.Indexer = { bp in
            (bp.metadata.ownerReferences ?? []).filter { $0.controller == true }.map { "\($0.kind)/\($0.name)" }
        }
        let nsOwners: Informer<BpfNsProgram>.Indexer = { bp in
            (bp.metadata.ownerReferences ?? []).filter { $0.controller == true }.map { "\($0.kind)/\(bp.metadata.namespace ?? "")/\($0.name)" }
        }
        bpfPrograms = Informer(client: client, indexers: [Self.ownerIndex: owners])
        bpfNsPrograms = Informer(client: client, indexers: [Self.ownerIndex: nsOwners])
        nodes = Informer(client: client)
        daemonPods = Informer(client: client, labelSelector: Self.daemonPodLabel)
        daemonSets = Informer(client: client, fieldSelector: "metadata.name=\(Self.daemonName)")
        apiWrites = Counter(label: "bpfman_operator_api_writes_total")
    }

    /// The per-node objects a user object controls (BpfNsPrograms as BpfPrograms).
    func programs(ownerKind: String, namespace: String?, name: String) -> [BpfProgram] {
        if let namespace {
            return bpfNsPrograms.byIndex(Self.ownerIndex, "\(ownerKind)/\(namespace)/\(name)").map {
                var bp = BpfProgram(metadata: $0.metadata, spec: $0.spec, status: $0.status)
                bp.kind = $0.kind
                return bp
            }
        }
        return bpfPrograms.byIndex(Self.ownerIndex, "\(ownerKind)/\(name)")
    }

    /// The nodes expected to report: those with a pod of the bpfman daemon
    /// (scheduled, not finished). Without a `bpfman-daemon` DaemonSet the
    /// daemon was deployed some other way and every Node counts, as upstream.
    public func daemonNodes() -> Set<String> {
        let known = Set(nodes.list().compactMap(\.metadata.name))
        let sets = daemonSets.list()
        guard !sets.isEmpty else { return known }
        let namespaces = Set(sets.compactMap(\.metadata.namespace))
        let running = daemonPods.list().filter {
            namespaces.contains($0.metadata.namespace ?? "") && $0.metadata.deletionTimestamp == nil
                && !["Succeeded", "Failed"].contains($0.status?.phase ?? "")
        }
        return Set(running.compactMap { $0.spec?.nodeName }).intersection(known)
    }

    /// `bpfman_operator_objects{kind,condition}`: user objects by their condition.
    func recordCondition(kind: String, key: String, condition: String?) {
        let counts: [String: Int] = conditions.withLock { all in
            var mine = all[kind] ?? [:]
            mine[key] = condition
            all[kind] = mine
            return mine.values.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        for type in ProgramConditionType.allCases.map(\.rawValue) {
            Gauge(label: "bpfman_operator_objects", dimensions: [("kind", kind), ("condition", type)]).record(counts[type] ?? 0)
        }
    }

    /// Sets an object's finalizers, conditional on the resourceVersion it was read at.
    func setFinalizers(_ r: ResourceInfo, namespace: String?, name: String, _ finalizers: [String], readAt version: String?) async throws {
        try await patch(r, namespace: namespace, name: name,
                        ["metadata": ["finalizers": .array(finalizers.map { .string($0) }), "resourceVersion": .string(version ?? "")]])
    }

    /// A merge patch; counted as an API write. Returns the object's new resourceVersion.
    @discardableResult
    func patch(_ r: ResourceInfo, namespace: String?, name: String, _ body: AnyJSON, status: Bool = false) async throws -> String? {
        let data = Array(try JSONEncoder().encode(body))
        logger.debug("api write", metadata: ["kind": "\(r.kind)", "name": "\(name)", "patch": "\(String(decoding: data, as: UTF8.self).prefix(300))"])
        let written: DynamicObject = try await client.patch(r, namespace: namespace, name: name, type: .merge, body: data,
                                                            subresource: status ? "status" : nil)
        apiWrites.increment()
        return written.resourceVersion
    }
}
