/// The `scale` subresource of Deployments, ReplicaSets and StatefulSets: an
/// autoscaling/v1 Scale that reads and writes the parent's `spec.replicas`
/// (what `kubectl scale` and a HorizontalPodAutoscaler use). A write goes
/// through the parent's update, so its generation and resourceVersion move
/// as the real server's do, and a stale Scale resourceVersion is a conflict.
struct ScaleSubresource {
    let store: ObjectStore

    /// `body` parses the request's body (JSON, YAML or protobuf as any write's).
    func perform(_ req: APIRequest, _ t: ResourceType, namespace: String, name: String, options: WriteOptions,
                 body: () throws -> JSON) throws -> APIReply
    {
        let parent = try store.get(t, namespace: namespace, name: name)
        switch req.method {
        case "GET":
            return .json(200, Self.scale(of: parent))
        case "PUT":
            let body = try body()
            return try write(t, parent: parent, scale: body, options: options)
        case "PATCH":
            let ct = (req.header("Content-Type") ?? "").split(separator: ";").first.map(String.init) ?? ""
            let patch = try body()
            let current = Self.scale(of: parent)
            let patched: JSON
            switch ObjectStore.PatchType(rawValue: ct) {
            case .merge?, .strategic?: patched = Patches.mergePatch(current, patch)
            case .json?: patched = try Patches.jsonPatch(current, patch)
            default:
                throw APIError(code: 415, reason: "UnsupportedMediaType",
                               message: "kubesim patches a scale subresource with application/merge-patch+json, application/strategic-merge-patch+json or application/json-patch+json, not \(ct.isEmpty ? "no content type" : ct)")
            }
            return try write(t, parent: parent, scale: patched, options: options)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    func write(_ t: ResourceType, parent: JSON, scale: JSON, options: WriteOptions) throws -> APIReply {
        let name = ObjectMeta.name(parent)
        guard let replicas = scale["spec"]?["replicas"]?.int else {
            throw APIError(code: 422, reason: "Invalid", message: "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Required value",
                           details: ["name": .string(name), "group": "autoscaling", "kind": "Scale",
                                     "causes": [["reason": "FieldValueRequired", "message": "Required value", "field": "spec.replicas"]]])
        }
        guard replicas >= 0 else {
            throw APIError(code: 422, reason: "Invalid",
                           message: "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Invalid value: \(replicas): must be greater than or equal to 0",
                           details: ["name": .string(name), "group": "autoscaling", "kind": "Scale",
                                     "causes": [["reason": "FieldValueInvalid", "field": "spec.replicas",
                                                 "message": .string("Invalid value: \(replicas): must be greater than or equal to 0")]]])
        }
        var updated = parent
        updated.set(.int(replicas), at: ["spec", "replicas"])
        let given = ObjectMeta.resourceVersion(scale)
        updated.set(.string(given.isEmpty ? ObjectMeta.resourceVersion(parent) : given), at: ["metadata", "resourceVersion"])
        let r = try store.update(t, namespace: ObjectMeta.namespace(parent), name: name, body: updated, options: options)
        return .json(200, Self.scale(of: r.object))
    }

    /// The Scale view of a parent object.
    static func scale(of o: JSON) -> JSON {
        let m = o["metadata"] ?? [:]
        var meta: JSON = [:]
        for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { meta[k] = m[k] }
        var status: JSON = ["replicas": .int(o["status"]?["replicas"]?.int ?? 0)]
        let selector = LabelSelector.string(fromJSON: o["spec"]?["selector"])
        if !selector.isEmpty { status["selector"] = .string(selector) }
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
                "spec": ["replicas": .int(o["spec"]?["replicas"]?.int ?? 1)], "status": status]
    }
}
