import BpfmanAPI
import BpfmanModel

/// What one BpfProgram needs from bpfman on this node (operator spec §3.3's
/// decision table, with in-place updates): the calls to make, in order, and
/// the condition to write when they succeed. Pure: the reconciler runs the
/// calls and writes the condition once.
public struct NodeDecision: Sendable, Equatable {
    public enum Call: Sendable, Equatable {
        case load(LoadRequest)
        case unload(id: UInt32)
        case update(id: UInt32, priority: Int32, proceedOn: ProceedOn?)
    }

    /// Where the program stands in the map-owner relation.
    public enum MapOwner: Sendable, Equatable {
        case notSet
        case notFound
        case notLoaded
        case loaded(id: UInt32)
    }

    public var calls: [Call]
    public var condition: BpfProgramConditionType

    /// Why a program should not be loaded here, in upstream's order of
    /// precedence; nil when it should be. (A deleted owner's programs are
    /// retired, never decided here.)
    public static func reasonNotToLoad(nodeSelected: Bool, noTargets: Bool, mapOwner: MapOwner) -> BpfProgramConditionType? {
        if !nodeSelected { return .notSelected }
        if noTargets { return .noContainersOnNode }
        if mapOwner == .notFound { return .mapOwnerNotFound }
        if mapOwner == .notLoaded { return .mapOwnerNotLoaded }
        return nil
    }

    /// `loaded`: the program bpfman has for this BpfProgram (its id and the
    /// request it was loaded with), if any. `desired`: the request it should
    /// have now, or the reason it should not be loaded.
    public static func decide(loaded: (id: UInt32, request: LoadRequest)?, desired: Result<LoadRequest, NotLoading>) -> NodeDecision {
        switch (loaded, desired) {
        case (nil, .success(let want)):
            return NodeDecision(calls: [.load(want)], condition: .loaded)
        case (nil, .failure(let why)):
            return NodeDecision(calls: [], condition: why.condition)
        case (let have?, .failure(let why)):
            return NodeDecision(calls: [.unload(id: have.id)], condition: why.condition)
        case (let have?, .success(let want)):
            switch LoadDifference.between(loaded: have.request, desired: want) {
            case .none: return NodeDecision(calls: [], condition: .loaded)
            case .placement(let p, let proceed): return NodeDecision(calls: [.update(id: have.id, priority: p, proceedOn: proceed)], condition: .loaded)
            case .reload: return NodeDecision(calls: [.unload(id: have.id), .load(want)], condition: .loaded)
            }
        }
    }

    /// The reason a program is not to be loaded, as a failure value.
    public struct NotLoading: Error, Sendable, Equatable {
        public var condition: BpfProgramConditionType
        public init(_ condition: BpfProgramConditionType) { self.condition = condition }
    }

    /// The condition when a call fails.
    public static func failureCondition(_ call: Call) -> BpfProgramConditionType {
        if case .unload = call { return .notUnloaded }
        return .notLoaded
    }
}
