@testable import BpfmanAgent
import BpfmanAPI
import BpfmanModel
import KubeClient
import Testing

/// The executor against in-memory bpfman and API server: plans carried out,
/// writes only where they change something, and the one failure rule.
@Suite("agent executor")
struct AgentExecutorTests {
    typealias T = AgentPlanTests
    let bpfman = InMemoryBpfman()
    let store = InMemoryStore()
    let eth0 = T.point("eth0")

    /// One pass as the agent makes it: read bpfman and the store, plan, execute.
    func pass(_ units: [AgentUnit], common: AppCommon? = T.common()) async throws -> AgentExecutor<InMemoryBpfman, InMemoryStore>.Outcome {
        let owned = store.objects.sorted { ($0.metadata.uid ?? "") < ($1.metadata.uid ?? "") }
        let plan = AgentPlanner.plan(.init(units: units, common: common, nodeLabels: ["role": "edge"], owned: owned, nodePrograms: owned,
                                           loaded: try await bpfman.loadedPrograms(), finalizer: T.finalizer,
                                           identity: T.template.ownerIdentity))
        return try await AgentExecutor(bpfman: bpfman, store: store, now: { "t" }).execute(plan)
    }

    @Test("a program of this owner no BpfProgram accounts for is unloaded before anything is loaded; an unload refused is retried")
    func orphanUnloaded() async throws {
        var orphan = T.request(T.point("eth9"))
        orphan.metadata[MetadataKey.bpfProgram] = "web-deadbeef"
        bpfman.state.withLock { $0.programs[50] = orphan }
        let first = try await pass([T.unit([eth0])])
        #expect(first == .init(retry: false))
        #expect(bpfman.calls == ["unload 50", "load pass for=\(T.name(eth0))"])
        #expect(bpfman.programs[50] == nil)

        bpfman.state.withLock { $0.programs[51] = orphan; $0.refuseUnload = true }
        let refused = try await pass([T.unit([eth0])])
        #expect(refused.retry && refused.failures.keys.contains { $0.contains("51") })
        #expect(bpfman.programs[51] != nil)
    }

    func condition(_ point: String) -> Condition? {
        store.objects.first { $0.metadata.annotations?[AttachPoint.annotationKey] == point }?.status?.conditions?.first
    }

    @Test("a fresh program: loaded under its BpfProgram's name, created with its id, Loaded written: two writes; the next pass writes and calls nothing")
    func converges() async throws {
        let first = try await pass([T.unit([eth0])])
        #expect(first == .init(retry: false))
        #expect(store.writes == ["create eth0 id=101", "status Loaded"])
        let name = T.name(eth0)
        #expect(bpfman.calls == ["load pass for=\(name)"])
        #expect(store.objects[0].metadata.name == name && bpfman.programs[101]?.metadata[MetadataKey.bpfProgram] == name)
        let second = try await pass([T.unit([eth0])])
        #expect(second == .init(retry: false))
        #expect(store.writes.count == 2 && bpfman.calls.count == 1, "an idle pass costs no write and no call")
    }

    @Test("the create fails after the load: the program is unloaded again, nothing left; the next pass converges")
    func createFails() async throws {
        store.state.withLock { $0.refuseCreate = true }
        await #expect(throws: InMemoryStore.Refused.self) { try await pass([T.unit([eth0])]) }
        #expect(bpfman.calls == ["load pass for=\(T.name(eth0))", "unload 101"])
        #expect(bpfman.programs.isEmpty && store.objects.isEmpty)
        store.state.withLock { $0.refuseCreate = false }
        #expect(try await pass([T.unit([eth0])]) == .init(retry: false))
        #expect(bpfman.programs.count == 1 && condition("eth0")?.type == "Loaded")
    }

    @Test("a pass that ended between its load and its create: the next one finds the program by name and creates the object with its id, no second load")
    func loadedBeforeCreate() async throws {
        // What such a pass left: bpfman has the program, the API server has no BpfProgram.
        _ = try await bpfman.run(.load(T.request(eth0)), current: nil, credentials: .none)
        #expect(try await pass([T.unit([eth0])]) == .init(retry: false))
        #expect(bpfman.calls.count == 1 && bpfman.programs.count == 1)
        #expect(store.writes == ["create eth0 id=101", "status Loaded"])
    }

    @Test("a refused load: NotLoaded with bpfman's words, no id, retried; fixed: loads")
    func refusedLoad() async throws {
        bpfman.state.withLock { $0.refuseLoadOf = ["pass"] }
        let out = try await pass([T.unit([eth0])])
        #expect(out.retry && out.failures.values.first == "no such function pass")
        #expect(condition("eth0")?.type == "NotLoaded" && condition("eth0")?.message == "Failed to load bpfProgram: no such function pass")
        #expect(store.objects[0].metadata.annotations?[BpfProgramLabels.programIDAnnotation] == nil)
        #expect(bpfman.programs.isEmpty)
        bpfman.state.withLock { $0.refuseLoadOf = [] }
        #expect(try await pass([T.unit([eth0])]) == .init(retry: false))
        #expect(condition("eth0")?.type == "Loaded" && bpfman.programs.count == 1)
    }

    @Test("a reload whose load fails: the old program is gone, so is its id annotation")
    func reloadFails() async throws {
        _ = try await pass([T.unit([eth0])])
        bpfman.state.withLock { $0.refuseLoadOf = ["drop"] }
        let out = try await pass([T.unit([eth0], function: "drop")])
        #expect(out.retry)
        #expect(bpfman.calls == ["load pass for=\(T.name(eth0))", "unload 101", "load drop for=\(T.name(eth0))"])
        #expect(store.objects[0].metadata.annotations?[BpfProgramLabels.programIDAnnotation] == nil)
        #expect(condition("eth0")?.type == "NotLoaded")
    }

    @Test("a move in place that fails: NotLoaded, and the id annotation still names the program bpfman has")
    func refusedUpdate() async throws {
        _ = try await pass([T.unit([eth0])])
        bpfman.state.withLock { $0.refuseUpdate = true }
        #expect(try await pass([T.unit([T.point("eth0", priority: 9)])]).retry)
        #expect(bpfman.calls.last == "update 101 priority=9")
        #expect(condition("eth0")?.message == "Failed to load bpfProgram: dispatcher busy")
        #expect(store.objects[0].metadata.annotations?[BpfProgramLabels.programIDAnnotation] == "101")
    }

    @Test("an unload that fails: NotUnLoaded, the id stays (still loaded); retiring: finalizer kept, nothing deleted")
    func refusedUnload() async throws {
        _ = try await pass([T.unit([eth0, T.point("eth1")])])
        bpfman.state.withLock { $0.refuseUnload = true }
        let out = try await pass([T.unit([eth0, T.point("eth1")])], common: T.common(selected: false))
        #expect(out.retry && out.failures.count == 2)
        #expect(condition("eth0")?.type == "NotUnLoaded" && condition("eth0")?.message == "Failed to unload bpfProgram: device busy")
        #expect(store.objects.allSatisfy { $0.metadata.annotations?[BpfProgramLabels.programIDAnnotation] != nil })
        // The attach point eth1 goes away while unloads fail: its BpfProgram stays, finalizer and all.
        _ = try await pass([T.unit([eth0])])
        #expect(store.objects.count == 2 && condition("eth1")?.type == "NotUnLoaded")
        #expect(store.objects.allSatisfy { $0.metadata.finalizers == [T.finalizer] })
        bpfman.state.withLock { $0.refuseUnload = false }
        #expect(try await pass([T.unit([eth0])]) == .init(retry: false))
        #expect(store.objects.count == 1 && bpfman.programs.count == 1 && condition("eth0")?.type == "Loaded")
    }

    @Test("the owner deleted: every program unloaded, Unloaded written, finalizers removed, objects left to GC")
    func ownerDeleted() async throws {
        _ = try await pass([T.unit([eth0, T.point("eth1")])])
        #expect(bpfman.programs.count == 2)
        #expect(try await pass([], common: nil) == .init(retry: false))
        #expect(bpfman.programs.isEmpty)
        #expect(store.objects.count == 2)
        #expect(store.objects.allSatisfy { $0.metadata.finalizers == [] && $0.status?.conditions?.first?.type == "Unloaded" })
    }

    @Test("loaded under signing mode warn: the verdict is the Loaded condition's tail")
    func signatureWarning() async throws {
        let signature = ImageSignature(verdict: .warning, detail: "no signature found", digest: "sha256:ab")
        bpfman.state.withLock { $0.signature = signature }
        _ = try await pass([T.unit([eth0])])
        #expect(condition("eth0")?.message == "Successfully loaded bpfProgram: \(signature.statusCause)")
        // The next pass reads the verdict from bpfman's record and writes nothing new.
        let writes = store.writes.count
        _ = try await pass([T.unit([eth0])])
        #expect(store.writes.count == writes)
    }
}
