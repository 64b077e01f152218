import KubeClient
import KubeController
import Logging

/// What a workload controller does with its pods, once it knows which it
/// wants: the wanted ones that are missing are created; pods of an older
/// template, or no longer wanted, are deleted.
struct ControllerPods {
    let client: KubeClient
    let logger: Logger

    /// The pods of `pods` whose controller is the `kind` named by `key`.
    static func owned(by kind: String, _ key: ObjectKey, in pods: Informer<LocalPod>) -> [LocalPod] {
        pods.list().filter { p in
            p.metadata.namespace == key.namespace
                && (p.metadata.ownerReferences ?? []).contains { $0.kind == kind && $0.name == key.name && $0.controller == true }
        }
    }

    func converge(desired: [PodManifest], current: [LocalPod]) async throws -> ReconcileResult {
        var keep = Set<String>()
        for d in desired {
            let hash = d.metadata.labels?[PodManifest.templateHashLabel]
            if let p = current.first(where: { $0.name == d.name && !$0.isDeleting && $0.metadata.labels?[PodManifest.templateHashLabel] == hash }) {
                keep.insert(p.metadata.uid ?? "")
            }
        }
        for p in current where !keep.contains(p.metadata.uid ?? "") && !p.isDeleting {
            do {
                try await client.delete(LocalPod.resource, namespace: p.metadata.namespace, name: p.name, preconditionUID: p.metadata.uid)
                logger.info("controller pod deleted", metadata: ["pod": "\(p.metadata.namespace ?? "")/\(p.name)"])
            } catch let e as KubeError where e.isNotFound {}
        }
        var result = ReconcileResult.done
        for d in desired where !current.contains(where: { $0.metadata.uid.map(keep.contains) == true && $0.name == d.name }) {
            do {
                let _: PodManifest = try await client.create(LocalPod.resource, namespace: d.metadata.namespace, d)
                logger.info("controller pod created", metadata: ["pod": "\(d.metadata.namespace ?? "")/\(d.name)"])
            } catch let e as KubeError where e.isAlreadyExists || e.isConflict {
                result = .requeueAfter(.seconds(1))  // the pod it replaces is still going
            }
        }
        return result
    }
}
