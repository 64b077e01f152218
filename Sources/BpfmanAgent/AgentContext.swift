import Bpfman
import BpfmanAPI
import BpfmanRPC
import Foundation
import GRPCCore
import KubeClient
import KubeController
import Logging
import Metrics

/// What every reconciler of one agent shares: the API client, bpfman, this
/// node, the caches of this node's Node and BpfPrograms, and the counters.
public final class AgentContext: Sendable {
    public let client: KubeClient
    public let bpfman: BpfmanClient
    public let nodeName: String
    public let procRoot: String
    public let nodes: Informer<NodeObject>
    public let bpfPrograms: Informer<BpfProgram>
    let logger: Logger
    let rpcCalls: @Sendable (String) -> Counter
    let apiWrites: Counter

    public init(client: KubeClient, bpfman: BpfmanClient, nodeName: String, procRoot: String = "/proc", logger: Logger) {
        self.client = client
        self.bpfman = bpfman
        self.nodeName = nodeName
        self.procRoot = procRoot
        self.logger = logger
        nodes = Informer(client: client, fieldSelector: "metadata.name=\(nodeName)")
        bpfPrograms = Informer(client: client, labelSelector: "\(BpfProgramTemplate.hostnameLabel)=\(nodeName)")
        rpcCalls = { Counter(label: "bpfman_agent_rpc_calls_total", dimensions: [("call", $0)]) }
        apiWrites = Counter(label: "bpfman_agent_api_writes_total")
    }

    /// bpfman's programs that belong to BpfPrograms, by BpfProgram UID.
    func loadedPrograms() async throws -> [String: (id: UInt32, request: LoadRequest)] {
        var req = Bpfman_V1_ListRequest()
        req.bpfmanProgramsOnly = true
        rpcCalls("list").increment()
        var out: [String: (UInt32, LoadRequest)] = [:]
        for r in try await bpfman.list(req, timeout: .seconds(30)) {
            guard let uid = r.info.metadata[MetadataKey.uuid], let request = try? ProtoConversion.loadRequest(from: r.info) else { continue }
            out[uid] = (r.kernelInfo.id, request)
        }
        return out
    }

    /// Runs one bpfman call of a decision; returns the program id after it.
    func run(_ call: NodeDecision.Call, current: UInt32?) async throws -> UInt32? {
        switch call {
        case .load(let r):
            rpcCalls("load").increment()
            return try await bpfman.load(ProtoConversion.loadRequest(r), timeout: .seconds(120)).kernelInfo.id
        case .unload(let id):
            rpcCalls("unload").increment()
            try await bpfman.unload(id: id, timeout: .seconds(30))
            return nil
        case .update(let id, let priority, let proceedOn):
            rpcCalls("update").increment()
            let values = (proceedOn ?? []).compactMap { n in XdpAction(name: n)?.rawValue ?? TcAction(name: n)?.rawValue }
            _ = try await bpfman.update(id: id, priority: priority, proceedOn: values, timeout: .seconds(30))
            return current
        }
    }

    /// The text of a bpfman error, for a condition's message.
    static func message(_ error: any Error) -> String {
        (error as? RPCError)?.message ?? "\(error)"
    }

    // MARK: writes to a BpfProgram, each only when something changes

    /// Sets the `bpfman.io/ProgramId` annotation (nil removes it).
    func setProgramID(_ bp: BpfProgram, _ id: UInt32?) async throws -> BpfProgram {
        let want = id.map(String.init)
        guard bp.metadata.annotations?[BpfProgramTemplate.programIDAnnotation] != want else { return bp }
        var next = bp
        var ann = next.metadata.annotations ?? [:]
        ann[BpfProgramTemplate.programIDAnnotation] = want
        next.metadata.annotations = ann
        apiWrites.increment()
        return try await client.update(next)
    }

    /// Sets the one condition, with bpfman's cause as the message when there is one.
    func setCondition(_ bp: BpfProgram, _ type: BpfProgramConditionType, cause: String?) async throws -> BpfProgram {
        let message = cause.map { "\(type.message): \($0)" } ?? type.message
        if let c = bp.status?.conditions, c.count == 1, c[0].type == type.rawValue, c[0].message == message { return bp }
        var next = bp
        let now = ISO8601DateFormatter().string(from: Date())
        next.status = ProgramStatus(conditions: [Condition(type: type.rawValue, reason: type.reason, message: message, lastTransitionTime: now)])
        apiWrites.increment()
        return try await client.update(next, status: true)
    }

    func removeFinalizer(_ bp: BpfProgram, _ finalizer: String) async throws -> BpfProgram {
        guard bp.metadata.finalizers?.contains(finalizer) == true else { return bp }
        var next = bp
        next.metadata.finalizers?.removeAll { $0 == finalizer }
        apiWrites.increment()
        return try await client.update(next)
    }

    func create(_ bp: BpfProgram) async throws -> BpfProgram {
        apiWrites.increment()
        return try await client.create(bp)
    }

    func delete(_ bp: BpfProgram) async throws {
        apiWrites.increment()
        try await client.delete(BpfProgram.resource, name: bp.metadata.name ?? "")
    }
}

/// bpfman metadata keys the agent sets on every program.
public enum MetadataKey {
    public static let uuid = "bpfman.io/uuid"
    public static let programName = "bpfman.io/ProgramName"
}
