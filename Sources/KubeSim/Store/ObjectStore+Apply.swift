import Foundation

/// Server-side apply: the applied configuration is merged into the live
/// object, fields another manager set to a different value are conflicts
/// (unless forced), and fields this manager applied before but no longer
/// applies are removed.
extension ObjectStore {
    func applyCreate(_ t: ResourceType, namespace: String, name: String, config: JSON, options: WriteOptions) throws -> WriteResult {
        var body = config
        let given = ObjectMeta.name(config)
        if !given.isEmpty && given != name {
            throw APIError.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
        }
        body.set(.string(name), at: ["metadata", "name"])
        return try createLocked(t, namespace: namespace, body: body, options: options, applyManager: options.fieldManager)
    }

    func apply(_ t: ResourceType, old: JSON, config: JSON, subresource: String?, force: Bool, options: WriteOptions) throws -> WriteResult {
        guard case .object = config else { throw APIError.badRequest("the applied configuration must be an object") }
        let name = ObjectMeta.name(old)
        let given = ObjectMeta.name(config)
        if !given.isEmpty && given != name {
            throw APIError.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
        }
        let manager = options.fieldManager
        var entries = ManagedFields.entries(of: old)
        let applied = ManagedFields.leaves(of: config, status: subresource == "status")
        var conflicts: [(String, ManagedFields.Path)] = []
        for p in applied.sorted(by: { $0.joined() < $1.joined() }) {
            guard let live = ManagedFields.value(old, at: p), live != ManagedFields.value(config, at: p) else { continue }
            for (i, e) in entries.enumerated() where e.manager != manager && e.fields.contains(p) {
                if force { entries[i].fields.remove(p) } else { conflicts.append((e.manager, p)) }
            }
        }
        if !conflicts.isEmpty {
            let causes: [JSON] = conflicts.map {
                ["reason": "FieldManagerConflict", "message": .string("conflict with \"\($0.0)\""),
                 "field": .string(ManagedFields.display($0.1))]
            }
            let lines = conflicts.map { "conflict with \"\($0.0)\": \(ManagedFields.display($0.1))" }
            let msg = "Apply failed with \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"): " + lines.joined(separator: "\n")
            var d = APIError.detailsFor(t, name)
            d["causes"] = .array(causes)
            throw APIError(code: 409, reason: "Conflict", message: msg, details: d)
        }
        var merged = ObjectStore.deepMerge(old, config)
        let previous = entries.first { $0.manager == manager && $0.operation == "Apply" && $0.subresource == subresource }?.fields ?? []
        for p in previous.subtracting(applied) {
            let ownedElsewhere = entries.contains { !($0.manager == manager && $0.operation == "Apply") && $0.fields.contains(p) }
            if !ownedElsewhere { merged = ManagedFields.removing(p, from: merged) }
        }
        // Other managers keep fields they share with the same value.
        merged = ManagedFields.recordApply(merged, applied: applied, manager: manager, apiVersion: t.apiVersion,
                                           entries: entries, subresource: subresource)
        merged.set(old["metadata"]?["resourceVersion"], at: ["metadata", "resourceVersion"])
        return try replace(t, old: old, with: merged, subresource: subresource, options: options, recordFields: false)
    }

    static func deepMerge(_ base: JSON, _ overlay: JSON, field: String = "") -> JSON {
        switch (base, overlay) {
        case (.object(var b), .object(let o)):
            for (k, v) in o { b[k] = b[k].map { deepMerge($0, v, field: k) } ?? v }
            return .object(b)
        case (.array(let b), .array(let o)):
            guard let key = Patches.mergeKeys[field] else { return overlay }
            var out = b
            for item in o {
                if let id = item[key], let i = out.firstIndex(where: { $0[key] == id }) {
                    out[i] = deepMerge(out[i], item)
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        default:
            return overlay
        }
    }
}
