import Foundation

/// Authorizes each API request against the store's RBAC objects, as the real
/// server's RBAC authorizer does, and enforces what OwnerReferencesPermissionEnforcement
/// (on in OpenShift) adds on writes: changing an object's ownerReferences
/// needs `delete` on it, and setting `blockOwnerDeletion` needs `update` on
/// the owner's `finalizers` subresource. Superusers (the admin kubeconfig,
/// `system:masters`) and, with enforcement off, everyone pass unchecked.
struct Authorizer: Sendable {
    let store: ObjectStore
    let enforce: Bool
    let log: AuthorizationLog

    /// Throws the real 403 when no rule allows the request.
    func check(_ a: RequestAttributes) throws {
        guard enforce, !a.user.isSuperuser else { return }
        guard let g = store.rbacPolicy().authorize(a) else {
            log.record(a, nil)
            throw a.forbidden
        }
        log.record(a, g)
    }

    /// The ownerReference checks of a write, run by the store on the object
    /// as it would be stored (so patches and applies are checked too).
    func ownerReferenceAdmission(_ a: RequestAttributes) -> WriteOptions.Admission? {
        guard enforce, !a.user.isSuperuser else { return nil }
        let policy = store.rbacPolicy()
        let log = self.log
        return { old, new, typeOf in
            let oldRefs = old?["metadata"]?["ownerReferences"]?.array ?? []
            let newRefs = new["metadata"]?["ownerReferences"]?.array ?? []
            guard oldRefs != newRefs else { return }
            let name = ObjectMeta.name(new)
            if old != nil {
                var d = a
                d.verb = "delete"
                d.subresource = ""
                d.name = name
                guard let g = policy.authorize(d) else {
                    log.record(d, nil)
                    throw RequestAttributes.forbidden(resource: a.resource, group: a.apiGroup, name: name,
                                                      "cannot set an ownerRef on a resource you can't delete: \(d.forbiddenReason)")
                }
                log.record(d, g)
            }
            for ref in newRefs where ref["blockOwnerDeletion"]?.bool == true {
                let uid = ref["uid"]?.string
                if oldRefs.contains(where: { $0["uid"]?.string == uid && $0["blockOwnerDeletion"]?.bool == true }) { continue }
                let apiVersion = ref["apiVersion"]?.string ?? "", kind = ref["kind"]?.string ?? ""
                guard let t = typeOf(apiVersion, kind) else {
                    throw RequestAttributes.forbidden(resource: a.resource, group: a.apiGroup, name: name,
                                                      "cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion \(apiVersion) Kind \(kind)")
                }
                let f = RequestAttributes(user: a.user, verb: "update", apiGroup: t.group, resource: t.plural, subresource: "finalizers",
                                          namespace: t.namespaced ? a.namespace : "", name: ref["name"]?.string ?? "")
                guard let g = policy.authorize(f) else {
                    log.record(f, nil)
                    throw RequestAttributes.forbidden(resource: a.resource, group: a.apiGroup, name: name,
                                                      "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: \(f.forbiddenReason)")
                }
                log.record(f, g)
            }
        }
    }
}
