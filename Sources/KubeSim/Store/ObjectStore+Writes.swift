import Foundation

/// Options common to writes.
public struct WriteOptions: Sendable {
    public var dryRun = false
    public var fieldManager = "unknown"
    /// `Strict` refuses unknown fields, `Warn` reports them, `Ignore` prunes silently.
    public var fieldValidation = "Warn"
    /// Admission run on the object as it would be stored (old is nil on create);
    /// it gets the served type of an apiVersion and kind. Runs under the store's lock.
    public typealias Admission = @Sendable (_ old: JSON?, _ new: JSON, _ typeOf: (String, String) -> ResourceType?) throws -> Void
    public var admit: Admission?
    public init() {}
}

/// What a write did, with any warnings for the `Warning` header.
public struct WriteResult: Sendable {
    public var object: JSON
    public var created = false
    public var warnings: [String] = []
}

extension ObjectStore {
    func bucketKey(_ t: ResourceType, _ ns: String, _ name: String) -> String {
        ObjectMeta.key(namespace: t.namespaced ? ns : "", name: name)
    }

    /// Fills in what the server owns on a new object.
    func prepareNew(_ body: JSON, type t: ResourceType, namespace: String) -> JSON {
        var o = body
        o["apiVersion"] = .string(t.apiVersion)
        o["kind"] = .string(t.kind)
        var m = o["metadata"] ?? [:]
        m["uid"] = .string(ObjectMeta.newUID())
        m["creationTimestamp"] = .string(ObjectMeta.now())
        m["deletionTimestamp"] = nil
        if t.namespaced { m["namespace"] = .string(namespace) } else { m["namespace"] = nil }
        if t.crdName != nil || ["apps", "apiextensions.k8s.io"].contains(t.group) { m["generation"] = 1 }
        o["metadata"] = m
        if t.kind == "Secret" && t.group.isEmpty && (o["type"]?.string ?? "").isEmpty { o["type"] = "Opaque" }
        if t.kind == "Namespace" && t.group.isEmpty {
            o["spec"] = ["finalizers": ["kubernetes"]]
            o["status"] = ["phase": "Active"]
        }
        return o
    }

    func checkNamespace(_ t: ResourceType, _ ns: String, creating: Bool) throws {
        guard t.namespaced else { return }
        guard !ns.isEmpty else { throw APIError.badRequest("the namespace of the object must be set for \(t.plural)") }
        guard let nso = buckets["/namespaces"]?[ns] else {
            throw APIError(code: 404, reason: "NotFound", message: "namespaces \"\(ns)\" not found",
                           details: ["name": .string(ns), "kind": "namespaces"])
        }
        if creating && ObjectMeta.isDeleting(nso) {
            throw APIError(code: 403, reason: "Forbidden",
                           message: "\(t.plural) \"\(ns)\" is forbidden: unable to create new content in namespace \(ns) because it is being terminated")
        }
    }

    /// Schema, names and kind checks shared by create and update.
    func validate(_ o: inout JSON, _ t: ResourceType, name: String, options: WriteOptions) throws -> [String] {
        if t.kind == "Secret" && t.group.isEmpty { Self.foldStringData(&o) }
        if let k = o["kind"]?.string, !k.isEmpty, k != t.kind {
            throw APIError.badRequest("the kind in the data (\(k)) does not match the kind of the resource (\(t.kind))")
        }
        if let av = o["apiVersion"]?.string, !av.isEmpty, av.split(separator: "/").first.map(String.init) != (t.group.isEmpty ? t.version : t.group) && av != t.apiVersion {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(t.apiVersion))")
        }
        var causes: [APIError.Cause] = []
        if !ObjectMeta.isValidName(name) {
            causes.append(.init(field: "metadata.name", reason: "FieldValueInvalid",
                                message: "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"))
        }
        causes += LabelValidation.causes(o["metadata"]?["labels"])
        var warnings: [String] = []
        if let schema = t.schema {
            let p = SchemaProcessor.process(&o, schema: schema)
            causes += p.causes
            warnings += p.unevaluated.map { "kubesim did not evaluate the CEL rule at \($0)" }
            if !p.pruned.isEmpty {
                switch options.fieldValidation {
                case "Strict":
                    let list = p.pruned.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
                    throw APIError.badRequest("\(t.kind) in version \"\(t.version)\" cannot be handled as a \(t.kind): strict decoding error: \(list)")
                case "Ignore": break
                default: warnings += p.pruned.map { "unknown field \"\($0)\"" }
                }
            }
        }
        if t.kind == "CustomResourceDefinition" { causes += CRDSupport.validate(o) }
        if !causes.isEmpty { throw APIError.invalid(t, name, causes) }
        return warnings
    }

    /// A Secret's `stringData` is write-only: its entries replace those of
    /// `data` (base64) and the field itself is never stored, as the real
    /// server converts it.
    static func foldStringData(_ o: inout JSON) {
        guard let sd = o["stringData"]?.object else { return }
        var data = o["data"]?.object ?? [:]
        for (k, v) in sd { data[k] = .string(Data((v.string ?? "").utf8).base64EncodedString()) }
        o["data"] = .object(data)
        o["stringData"] = nil
    }

    // MARK: create

    public func create(_ t: ResourceType, namespace: String, body: JSON, options: WriteOptions = WriteOptions()) throws -> WriteResult {
        guard case .object = body else { throw APIError.badRequest("the body of the request must be a JSON object") }
        let result = try lock.withLock { try createLocked(t, namespace: namespace, body: body, options: options) }
        return result
    }

    func createLocked(_ t: ResourceType, namespace: String, body: JSON, options: WriteOptions,
                      applyManager: String? = nil) throws -> WriteResult
    {
            if let crd = t.crdName, let c = buckets["apiextensions.k8s.io/customresourcedefinitions"]?[crd],
                ObjectMeta.isDeleting(c)
            {
                throw APIError.methodNotAllowed("create not allowed while custom resource definition is terminating")
            }
            var o = body
            let bodyNS = ObjectMeta.namespace(o)
            if t.namespaced, !bodyNS.isEmpty, bodyNS != namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            try checkNamespace(t, namespace, creating: true)
            var name = ObjectMeta.name(o)
            if name.isEmpty, let gen = o["metadata"]?["generateName"]?.string, !gen.isEmpty {
                for _ in 0..<8 {
                    name = gen + ObjectMeta.randomSuffix()
                    if buckets[t.storageKey]?[bucketKey(t, namespace, name)] == nil { break }
                }
                o.set(.string(name), at: ["metadata", "name"])
            }
            guard !name.isEmpty else {
                throw APIError.invalid(t, "", [.init(field: "metadata.name", reason: "FieldValueRequired",
                                                     message: "Required value: name or generateName is required")])
            }
            if t.crdName != nil && t.hasStatus { o["status"] = nil }
            o.set(nil, at: ["metadata", "resourceVersion"])
            let warnings = try validate(&o, t, name: name, options: options)
            let key = bucketKey(t, namespace, name)
            if buckets[t.storageKey]?[key] != nil { throw APIError.alreadyExists(t, name) }
            o = prepareNew(o, type: t, namespace: namespace)
            if let applyManager {
                o = ManagedFields.recordApply(o, applied: ManagedFields.leaves(of: body), manager: applyManager,
                                              apiVersion: t.apiVersion, entries: [])
            } else {
                o = ManagedFields.recordUpdate(old: nil, new: o, manager: options.fieldManager, apiVersion: t.apiVersion)
            }
            if t.kind == "CustomResourceDefinition" { o = CRDSupport.withStatus(o) }
            try options.admit?(nil, o, typeLocked)
            if options.dryRun { return WriteResult(object: o, created: true, warnings: warnings) }
            let stored = commit(storageKey: t.storageKey, key: key, type: "ADDED", object: o, old: nil)
            if t.kind == "CustomResourceDefinition" { serveCRD(stored) }
            return WriteResult(object: stored, created: true, warnings: warnings)
    }

    // MARK: update

    /// PUT of the object or its status. With `subresource == "status"` only the status changes.
    public func update(_ t: ResourceType, namespace: String, name: String, body: JSON, subresource: String? = nil,
                       options: WriteOptions = WriteOptions()) throws -> WriteResult
    {
        guard case .object = body else { throw APIError.badRequest("the body of the request must be a JSON object") }
        let r: WriteResult = try lock.withLock {
            guard let old = buckets[t.storageKey]?[bucketKey(t, namespace, name)] else { throw APIError.notFound(t, name) }
            let bodyName = ObjectMeta.name(body)
            if !bodyName.isEmpty && bodyName != name {
                throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
            }
            let given = ObjectMeta.resourceVersion(body)
            if given.isEmpty && t.crdName != nil {
                throw APIError.invalid(t, name, [.init(field: "metadata.resourceVersion", reason: "FieldValueInvalid",
                                                       message: "Invalid value: 0x0: must be specified for an update")])
            }
            if !given.isEmpty && given != ObjectMeta.resourceVersion(old) {
                throw APIError.conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            return try replace(t, old: old, with: body, subresource: subresource, options: options)
        }
        return r
    }

    /// The shared tail of update, patch and apply: keeps what the server owns,
    /// validates, bumps generation, and finishes a deletion whose last finalizer went.
    func replace(_ t: ResourceType, old: JSON, with body: JSON, subresource: String?, options: WriteOptions,
                 recordFields: Bool = true) throws -> WriteResult
    {
        let name = ObjectMeta.name(old)
        let ns = ObjectMeta.namespace(old)
        var o: JSON
        if subresource == "status" {
            o = old
            o["status"] = body["status"]
        } else {
            o = body
            if t.hasStatus { o["status"] = old["status"] }
            var m = o["metadata"] ?? [:]
            let oldMeta = old["metadata"] ?? [:]
            for k in ["uid", "creationTimestamp", "deletionTimestamp", "generation", "namespace", "name"] {
                m[k] = oldMeta[k]
            }
            m["deletionGracePeriodSeconds"] = oldMeta["deletionGracePeriodSeconds"]
            o["metadata"] = m
            if ObjectMeta.isDeleting(old) {
                let added = Set(ObjectMeta.finalizers(o)).subtracting(ObjectMeta.finalizers(old))
                if !added.isEmpty {
                    throw APIError.invalid(t, name, [.init(field: "metadata.finalizers", reason: "FieldValueForbidden",
                                                           message: "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers \(added.sorted())")])
                }
            }
        }
        o["apiVersion"] = .string(t.apiVersion)
        o["kind"] = .string(t.kind)
        let warnings = try validate(&o, t, name: name, options: options)
        if let g = old["metadata"]?["generation"]?.int, ObjectMeta.specPart(o) != ObjectMeta.specPart(old) {
            o.set(.int(g + 1), at: ["metadata", "generation"])
        }
        if t.kind == "CustomResourceDefinition" && subresource != "status" { o = CRDSupport.withStatus(o) }
        if recordFields {
            o = ManagedFields.recordUpdate(old: old, new: o, manager: options.fieldManager, apiVersion: t.apiVersion,
                                           subresource: subresource)
        }
        if ObjectMeta.sameContent(o, old) { return WriteResult(object: old, warnings: warnings) }
        try options.admit?(old, o, typeLocked)
        if options.dryRun { return WriteResult(object: o, warnings: warnings) }
        let key = bucketKey(t, ns, name)
        if ObjectMeta.isDeleting(o) && ObjectMeta.finalizers(o).isEmpty {
            let gone = removeObject(storageKey: t.storageKey, key: key, last: o)
            return WriteResult(object: gone, warnings: warnings)
        }
        let stored = commit(storageKey: t.storageKey, key: key, type: "MODIFIED", object: o, old: old)
        if t.kind == "CustomResourceDefinition" { serveCRD(stored) }
        return WriteResult(object: stored, warnings: warnings)
    }

    // MARK: patch

    public enum PatchType: String, Sendable {
        case merge = "application/merge-patch+json"
        case json = "application/json-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }

    public func patch(_ t: ResourceType, namespace: String, name: String, type: PatchType, patch: JSON,
                      subresource: String? = nil, force: Bool = false, options: WriteOptions = WriteOptions()) throws -> WriteResult
    {
        let r: WriteResult = try lock.withLock {
            let key = bucketKey(t, namespace, name)
            guard let old = buckets[t.storageKey]?[key] else {
                if type == .apply && subresource == nil {
                    return try applyCreate(t, namespace: namespace, name: name, config: patch, options: options)
                }
                throw APIError.notFound(t, name)
            }
            var new: JSON
            switch type {
            case .merge: new = Patches.mergePatch(old, patch)
            case .json: new = try Patches.jsonPatch(old, patch)
            case .strategic:
                guard t.crdName == nil else {
                    throw APIError(code: 415, reason: "UnsupportedMediaType",
                                   message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
                }
                new = try Patches.strategicMergePatch(old, patch)
            case .apply:
                return try apply(t, old: old, config: patch, subresource: subresource, force: force, options: options)
            }
            try PatchedObjectCheck.check(new, old: old, t, name: name)
            let given = ObjectMeta.resourceVersion(new)
            if !given.isEmpty && given != ObjectMeta.resourceVersion(old) {
                throw APIError.conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            return try replace(t, old: old, with: new, subresource: subresource, options: options)
        }
        return r
    }
}
