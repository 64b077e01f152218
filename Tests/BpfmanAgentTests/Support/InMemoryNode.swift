@testable import BpfmanAgent
import BpfmanAPI
import BpfmanModel
import KubeClient
import Synchronization

/// bpfman in memory for the executor: programs by kernel id, a call log, and
/// calls that fail on demand (a load of a named function, any unload or update).
final class InMemoryBpfman: BpfmanCalls {
    struct Refused: Error, CustomStringConvertible { var description: String }
    struct State {
        var programs: [UInt32: LoadRequest] = [:]
        var nextID: UInt32 = 100
        var calls: [String] = []
        var refuseLoadOf: Set<String> = []
        var refuseUnload = false
        var refuseUpdate = false
        var signature: ImageSignature?
    }
    let state = Mutex(State())

    var calls: [String] { state.withLock { $0.calls } }
    var programs: [UInt32: LoadRequest] { state.withLock { $0.programs } }

    func loadedPrograms(owner: String? = nil) async throws -> AgentPlanner.Loaded {
        state.withLock { s in
            var out: AgentPlanner.Loaded = [:]
            for (id, r) in s.programs where owner == nil || r.metadata[MetadataKey.programName] == owner {
                out[r.metadata[MetadataKey.bpfProgram] ?? ""] = (id, r)
            }
            return out
        }
    }

    func run(_ call: NodeDecision.Call, current: UInt32?, credentials: RegistryCredentials.Credentials) async throws
        -> (id: UInt32?, signature: ImageSignature?) {
        try state.withLock { s in
            switch call {
            case .load(var r):
                s.calls.append("load \(r.name) for=\(r.metadata[MetadataKey.bpfProgram] ?? "")")
                if s.refuseLoadOf.contains(r.name) { throw Refused(description: "no such function \(r.name)") }
                s.nextID += 1
                r.signature = s.signature
                s.programs[s.nextID] = r
                return (s.nextID, s.signature)
            case .unload(let id):
                s.calls.append("unload \(id)")
                if s.refuseUnload { throw Refused(description: "device busy") }
                s.programs[id] = nil
                return (nil, nil)
            case .update(let id, let priority, _):
                s.calls.append("update \(id) priority=\(priority)")
                if s.refuseUpdate { throw Refused(description: "dispatcher busy") }
                if case .xdp(var x) = s.programs[id]?.attach {
                    x.priority = priority
                    s.programs[id]?.attach = .xdp(x)
                }
                return (current, nil)
            }
        }
    }

    func describe(_ error: any Error) -> String { "\(error)" }
}

/// The API server's BpfPrograms in memory: UIDs and resourceVersions as the
/// server gives them, and every write logged.
final class InMemoryStore: BpfProgramStore {
    struct State {
        var objects: [String: BpfProgram] = [:]
        var version = 0
        var writes: [String] = []
        var refuseCreate = false
    }
    struct Refused: Error {}
    let state = Mutex(State())

    var writes: [String] { state.withLock { $0.writes } }
    var objects: [BpfProgram] { state.withLock { Array($0.objects.values) } }

    func create(_ bp: BpfProgram) async throws -> BpfProgram {
        try state.withLock { s in
            if s.refuseCreate { throw Refused() }
            s.version += 1
            var o = bp
            o.metadata.uid = "uid-\(s.version)"
            o.metadata.resourceVersion = "\(s.version)"
            s.objects[o.metadata.uid!] = o
            s.writes.append("create \(o.metadata.annotations?[AttachPoint.annotationKey] ?? "") id=\(o.metadata.annotations?[BpfProgramLabels.programIDAnnotation] ?? "-")")
            return o
        }
    }

    func update(_ bp: BpfProgram, status: Bool) async throws -> BpfProgram {
        state.withLock { s in
            s.version += 1
            var o = bp
            o.metadata.resourceVersion = "\(s.version)"
            s.objects[o.metadata.uid ?? ""] = o
            let what = status ? "status \(o.status?.conditions?.first?.type ?? "")"
                : "update id=\(o.metadata.annotations?[BpfProgramLabels.programIDAnnotation] ?? "-") finalizers=\(o.metadata.finalizers?.count ?? 0)"
            s.writes.append(what)
            return o
        }
    }

    func delete(_ bp: BpfProgram) async throws {
        state.withLock { s in
            s.objects[bp.metadata.uid ?? ""] = nil
            s.writes.append("delete \(bp.metadata.annotations?[AttachPoint.annotationKey] ?? "")")
        }
    }
}
