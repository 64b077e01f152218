import BpfmanAPI
import BpfmanModel
import BpfmanProto
import Foundation
import GRPCCore
import KubeClient
import KubeController
import Logging
import Metrics
import Synchronization

/// What every reconciler of one agent shares: the API client, bpfman, this
/// node, the caches of this node's Node and BpfPrograms, and the counters.
public final class AgentContext: BpfmanCalls {
    public let client: KubeClient
    public let bpfman: BpfmanClient
    public let nodeName: String
    public let procRoot: String
    /// How often every program object is reconciled again without an event
    /// (catches programs removed behind the agent's back).
    public let resyncPeriod: Duration?
    public let nodes: Informer<NodeObject>
    public let bpfPrograms: Informer<BpfProgram>
    /// This node's BpfNsPrograms, in every namespace.
    public let bpfNsPrograms: Informer<BpfNsProgram>
    /// This node's pods (for container selectors).
    public let pods: Informer<PodObject>
    /// The node's CRI runtime; nil when the agent was given none.
    public let cri: CRIContainerFinder?
    let logger: Logger
    let rpcCalls: @Sendable (String) -> Counter
    let apiWrites: Counter
    let rpcDuration: @Sendable (String) -> Metrics.Timer
    private let published = Mutex<Set<[String]>>([])
    /// BpfPrograms this agent wrote that the cache may not show yet, by UID.
    private let written = OwnWrites<BpfProgram>()

    public init(client: KubeClient, bpfman: BpfmanClient, nodeName: String, procRoot: String = "/proc",
                resyncPeriod: Duration? = .seconds(300), cri: CRIContainerFinder? = nil, logger: Logger) {
        self.client = client
        self.cri = cri
        pods = Informer(client: client, fieldSelector: "spec.nodeName=\(nodeName)")
        self.resyncPeriod = resyncPeriod
        self.bpfman = bpfman
        self.nodeName = nodeName
        self.procRoot = procRoot
        self.logger = logger
        nodes = Informer(client: client, fieldSelector: "metadata.name=\(nodeName)")
        bpfPrograms = Informer(client: client, labelSelector: "\(BpfProgramTemplate.hostnameLabel)=\(nodeName)")
        bpfNsPrograms = Informer(client: client, labelSelector: "\(BpfProgramTemplate.hostnameLabel)=\(nodeName)")
        rpcCalls = { Counter(label: "bpfman_agent_rpc_calls_total", dimensions: [("call", $0)]) }
        apiWrites = Counter(label: "bpfman_agent_api_writes_total")
        rpcDuration = { Metrics.Timer(label: "bpfman_agent_rpc_duration_seconds", dimensions: [("call", $0)], preferredDisplayUnit: .seconds) }
        // Once the cache sees an object go, nothing of ours stands in for it.
        let written = self.written
        bpfPrograms.addHandler(.init(onDelete: { o in written.forget(o.metadata.uid ?? "") }))
        bpfNsPrograms.addHandler(.init(onDelete: { o in written.forget(o.metadata.uid ?? "") }))
    }

    /// `bpfman_agent_programs{type,state}`: this node's per-node objects by
    /// type and condition (a combination that empties reads 0).
    func publishProgramGauges() {
        var counts: [[String]: Int] = [:]
        for bp in bpfProgramsView() {
            counts[[bp.spec.type ?? "", bp.status?.conditions?.first?.type ?? "None"], default: 0] += 1
        }
        let gone = published.withLock { p in
            let old = p.subtracting(counts.keys)
            p = Set(counts.keys)
            return old
        }
        for key in gone { Gauge(label: "bpfman_agent_programs", dimensions: [("type", key[0]), ("state", key[1])]).record(0) }
        for (key, n) in counts { Gauge(label: "bpfman_agent_programs", dimensions: [("type", key[0]), ("state", key[1])]).record(n) }
    }

    /// Selection on this node as the reconcilers see it.
    func selection(_ node: NodeObject, namespace objectNamespace: String? = nil) -> Selection {
        let pods = self.pods
        let cri = self.cri
        let procRoot = self.procRoot
        return Selection(node: node, objectNamespace: objectNamespace) { namespace, selector, names in
            guard let cri else {
                throw AgentError("a container selector needs the node's CRI runtime, and this agent has no --cri-socket")
            }
            let matching = pods.list().filter {
                $0.isRunning && (namespace == nil || $0.metadata.namespace == namespace) && selector.matches($0.metadata.labels ?? [:])
            }
            return try await cri.containers(of: matching, names: names).map { c in
                var c = c
                var st = stat()
                if stat("\(procRoot)/\(c.pid)/ns/net", &st) == 0 { c.netnsInode = UInt64(st.st_ino) }
                return c
            }
        }
    }

    /// bpfman's programs that belong to BpfPrograms, by BpfProgram UID; with
    /// `owner`, only those loaded for that owner (bpfman filters by metadata
    /// before asking the kernel, so a pass costs what its owner has, not what
    /// the node has).
    func loadedPrograms(owner: String?) async throws -> AgentPlanner.Loaded {
        var req = Bpfman_V1_ListRequest()
        req.bpfmanProgramsOnly = true
        if let owner { req.matchMetadata = [MetadataKey.programName: owner] }
        rpcCalls("list").increment()
        let start = ContinuousClock.now
        defer { rpcDuration("list").recordNanoseconds(nanoseconds(ContinuousClock.now - start)) }
        var out: [String: (UInt32, LoadRequest)] = [:]
        for r in try await bpfman.list(req, timeout: .seconds(30)) {
            guard let name = r.info.metadata[MetadataKey.bpfProgram], let request = try? ProtoConversion.loadRequest(from: r.info) else { continue }
            out[name] = (r.kernelInfo.id, request)
        }
        return out
    }

    func run(_ call: NodeDecision.Call, current: UInt32?,
             credentials: RegistryCredentials.Credentials) async throws -> (id: UInt32?, signature: ImageSignature?) {
        let start = ContinuousClock.now
        let name: String = switch call { case .load: "load"; case .unload: "unload"; case .update: "update" }
        defer { rpcDuration(name).recordNanoseconds(nanoseconds(ContinuousClock.now - start)) }
        switch call {
        case .load(let r):
            rpcCalls("load").increment()
            let wire = ProtoConversion.loadRequest(r, username: credentials.username, password: credentials.password)
            let response = try await bpfman.load(wire, timeout: .seconds(120))
            return (response.kernelInfo.id, ProtoConversion.imageSignature(of: response.info))
        case .unload(let id):
            rpcCalls("unload").increment()
            try await bpfman.unload(id: id, timeout: .seconds(30))
            return (nil, nil)
        case .update(let id, let priority, let proceedOn):
            rpcCalls("update").increment()
            _ = try await bpfman.update(id: id, priority: priority, proceedOn: proceedOn, timeout: .seconds(30))
            return (current, nil)
        }
    }

    /// Credentials for the bytecode image from its pull Secret, read from the
    /// API server each time (Secrets are not cached); none without a secret.
    func credentials(_ bytecode: BytecodeSelector) async throws -> RegistryCredentials.Credentials {
        guard let image = bytecode.image, let ref = image.imagepullsecret else { return .none }
        let secrets = ResourceInfo(group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true)
        let secret: DynamicObject
        do {
            secret = try await client.get(secrets, namespace: ref.namespace, name: ref.name, as: DynamicObject.self)
        } catch {
            throw AgentError("cannot read image pull secret \(ref.namespace)/\(ref.name): \(error)")
        }
        var data: [String: String] = [:]
        if case .object(let o)? = secret["data"] { for (k, v) in o { data[k] = v.stringValue } }
        return try RegistryCredentials.from(type: secret["type"]?.stringValue ?? "", data: data, image: image.url)
    }

    /// The text of a bpfman error, for a condition's message.
    static func message(_ error: any Error) -> String {
        (error as? RPCError)?.message ?? "\(error)"
    }

    func describe(_ error: any Error) -> String { Self.message(error) }

    /// This node's BpfPrograms: the cache, with this agent's own newer writes
    /// laid over it, so a pass that runs before the cache catches up neither
    /// creates an attach point's BpfProgram twice nor writes from a stale copy.
    public func bpfProgramsView() -> [BpfProgram] {
        var byUID: [String: BpfProgram] = [:]
        for bp in bpfPrograms.list() { byUID[bp.metadata.uid ?? ""] = bp }
        // BpfNsPrograms are the same object in a namespace; the agent handles both as one type.
        for ns in bpfNsPrograms.list() {
            var bp = BpfProgram(metadata: ns.metadata, spec: ns.spec, status: ns.status)
            bp.kind = ns.kind
            byUID[bp.metadata.uid ?? ""] = bp
        }
        return Array(written.overlay(byUID, version: Self.version).values)
    }

    static func version(_ o: BpfProgram) -> Int { Int(o.metadata.resourceVersion ?? "") ?? 0 }

    /// Where a per-node object lives: BpfProgram, or BpfNsProgram in its namespace.
    static func resource(_ bp: BpfProgram) -> ResourceInfo {
        bp.kind == BpfNsProgramKind.resource.kind ? BpfNsProgramKind.resource : BpfProgramKind.resource
    }

    private func wrote(_ bp: BpfProgram) -> BpfProgram {
        apiWrites.increment()
        if let uid = bp.metadata.uid { written.wrote(uid, version: Self.version(bp), bp) }
        return bp
    }

    /// One pass over an owner's BpfPrograms on this node: read what bpfman
    /// has (and the pull secret), plan, carry the plan out. `common` nil: the
    /// owner is gone or being deleted, and its BpfPrograms are retired.
    func pass(owner: String, identity: String, units: [AgentUnit], common: AppCommon?, node: NodeObject, owned: [BpfProgram],
              finalizer: String) async throws -> ReconcileResult {
        // A map owner is another owner's program: then everything bpfman has is needed.
        let loaded = try await loadedPrograms(owner: units.contains { $0.mapOwner != nil } ? nil : owner)
        var credentials = RegistryCredentials.Credentials.none
        var credentialsError: String?
        if let common {
            do { credentials = try await self.credentials(common.bytecode) } catch { credentialsError = "\(error)" }
        }
        let plan = AgentPlanner.plan(.init(
            units: units, common: common, nodeLabels: node.metadata.labels ?? [:], owned: owned,
            nodePrograms: common == nil ? [] : bpfProgramsView(), loaded: loaded, credentialsError: credentialsError,
            finalizer: finalizer, identity: identity))
        for note in plan.notes { logger.warning("\(note.message)", metadata: ["owner": "\(note.owner)", "error": "\(note.error)"]) }
        let outcome = try await AgentExecutor(bpfman: self, store: self, credentials: credentials).execute(plan)
        for (name, cause) in outcome.failures.sorted(by: { $0.key < $1.key }) {
            logger.warning("bpfman call failed", metadata: ["bpfprogram": "\(name)", "error": "\(cause)"])
        }
        publishProgramGauges()
        return outcome.retry ? .requeue : .done
    }
}

extension AgentContext: BpfProgramStore {
    func create(_ bp: BpfProgram) async throws -> BpfProgram {
        wrote(try await client.create(Self.resource(bp), namespace: bp.metadata.namespace, bp))
    }

    func update(_ bp: BpfProgram, status: Bool) async throws -> BpfProgram {
        wrote(try await client.update(Self.resource(bp), namespace: bp.metadata.namespace, name: bp.metadata.name ?? "", bp,
                                      subresource: status ? "status" : nil))
    }

    func delete(_ bp: BpfProgram) async throws {
        try await client.delete(Self.resource(bp), namespace: bp.metadata.namespace, name: bp.metadata.name ?? "")
        apiWrites.increment()
        if let uid = bp.metadata.uid { written.wrote(uid, version: 0, nil) }
    }
}

/// bpfman metadata keys the agent sets on every program.
public enum MetadataKey {
    /// The BpfProgram the program is loaded for, by name. (Upstream keys it
    /// by the object's UID, `bpfman.io/uuid`, which exists only once the object
    /// is created; the name is known before, so the load comes first and the
    /// object is created with its kernel id in one write.)
    public static let bpfProgram = "bpfman.io/BpfProgram"
    /// The owner: the program object or the BpfApplication (CSI finds maps by it).
    public static let programName = "bpfman.io/ProgramName"
    /// The owner with its kind (and namespace): `<Kind>/<name>` or
    /// `<Kind>/<namespace>/<name>` (`BpfProgramTemplate.ownerIdentity`).
    /// Owners of different kinds may share a name; this tells their programs
    /// apart, so a pass can unload what was loaded for its owner and no
    /// BpfProgram accounts for.
    public static let owner = "bpfman.io/Owner"
}
