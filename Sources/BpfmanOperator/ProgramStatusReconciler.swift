import BpfmanAPI
import Foundation
import KubeClient
import KubeController
import Synchronization

/// Status of one user object (any of the 14 kinds): the operator's
/// finalizer, then one condition from its per-node BpfPrograms
/// (`StatusDecision`), written only when type or message change (a new
/// message under the same type at most once per `StatusWritePolicy`
/// interval, NotYetLoaded only after its grace), with an Event for a failure
/// and for the end of one. A deleted object keeps its finalizer until
/// no node holds on to a BpfProgram of it.
final class ProgramStatusReconciler<K: BpfmanKind>: Reconciler {
    typealias Object = BpfmanObject<K>
    let ctx: OperatorContext
    let kind: ReconcilerKind
    let objects: Informer<Object>
    /// The conditions this operator wrote that the cache may not show yet: a
    /// pass that runs before the cache shows a write does not write it again.
    private let written = OwnWrites<Shown>()
    /// When this operator first saw each object and last wrote its condition
    /// (the grace and pace of `StatusWritePolicy`).
    private let paces = Mutex<[String: StatusWritePolicy.Pace]>([:])

    struct Shown: Sendable { var type: String; var message: String }

    init(_ ctx: OperatorContext, kind: ReconcilerKind) {
        self.ctx = ctx
        self.kind = kind
        objects = Informer(client: ctx.client, resyncPeriod: ctx.resyncPeriod)
    }

    var resource: ResourceInfo { K.resource }

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let namespace = resource.namespaced ? key.namespace : nil
        let cacheKey = "\(namespace ?? "")/\(key.name)"
        guard let object = objects.get(namespace: namespace, name: key.name) else {
            ctx.recordCondition(kind: resource.kind, key: cacheKey, condition: nil)
            written.forget(cacheKey)
            _ = paces.withLock { $0.removeValue(forKey: cacheKey) }
            return .done
        }
        let pace = paces.withLock { p in
            let pace = p[cacheKey] ?? .init(firstSeen: .now)
            p[cacheKey] = pace
            return pace
        }
        let deleting = object.metadata.deletionTimestamp != nil
        var finalizers = object.metadata.finalizers ?? []
        let finalizer = BpfProgramLabels.operatorFinalizer
        if !finalizers.contains(finalizer) {
            if deleting { return .done }
            finalizers.append(finalizer)
            try await ctx.setFinalizers(resource, namespace: namespace, name: key.name, finalizers, readAt: object.metadata.resourceVersion)
        }
        let programs = ctx.programs(ownerKind: resource.kind, namespace: namespace, name: key.name)
        switch StatusDecision.decide(deleting: deleting, programs: programs, daemonNodes: ctx.daemonNodes(), agentFinalizer: kind.finalizer,
                                    ownerName: key.name) {
        case .removeFinalizer:
            try await ctx.setFinalizers(resource, namespace: namespace, name: key.name, finalizers.filter { $0 != finalizer },
                                        readAt: object.metadata.resourceVersion)
            ctx.recordCondition(kind: resource.kind, key: cacheKey, condition: nil)
        case .condition(let type, let message):
            let old = object.status?.conditions ?? []
            ctx.recordCondition(kind: resource.kind, key: cacheKey, condition: type.rawValue)
            // What the object shows: the cache, or this operator's own write the cache does not show yet.
            var shown = old.count == 1 ? (type: old[0].type, message: old[0].message) : nil
            if let mine = written.newer(cacheKey, cachedVersion: Int(object.metadata.resourceVersion ?? "") ?? 0) {
                shown = (mine.type, mine.message)
            }
            switch ctx.statusWrites.decide(shown: shown, desired: (type.rawValue, message), lastWrite: pace.lastWrite,
                                           firstSeen: pace.firstSeen, now: .now) {
            case .unchanged: return .done
            case .later(let wait): return .requeueAfter(wait)
            case .write: break
            }
            let now = ISO8601DateFormatter().string(from: Date())
            let condition: AnyJSON = ["type": .string(type.rawValue), "status": "True", "reason": .string(type.reason),
                                      "message": .string(message), "lastTransitionTime": .string(now)]
            let version = try await ctx.patch(resource, namespace: namespace, name: key.name, ["status": ["conditions": [condition]]], status: true)
            written.wrote(cacheKey, version: Int(version ?? "") ?? 0, Shown(type: type.rawValue, message: message))
            paces.withLock { $0[cacheKey]?.wrote(type.rawValue, at: .now) }
            if StatusWritePolicy.isEventWorthy(from: shown?.type, to: type) {
                await ctx.events.record(.init(apiVersion: resource.apiVersion, kind: resource.kind, name: key.name, namespace: namespace,
                                              uid: object.metadata.uid),
                                        type.isFailure ? .warning : .normal, reason: type.reason, message: message)
            }
        }
        return .done
    }
}
