import Foundation

/// Field ownership as `metadata.managedFields` records it (FieldsV1). A field
/// is a path of steps: `f:<key>` into an object, `k:{...}` into a list item
/// found by its merge key. Lists without a merge key are owned whole.
enum ManagedFields {
    typealias Path = [String]

    static let metadataFields: Set<String> = ["labels", "annotations", "finalizers", "ownerReferences"]

    /// The leaf fields an object sets (status excluded unless asked for).
    static func leaves(of o: JSON, status: Bool = false) -> Set<Path> {
        var out = Set<Path>()
        guard let obj = o.object else { return out }
        for (k, v) in obj {
            switch k {
            case "apiVersion", "kind": continue
            case "status" where !status: continue
            case "metadata":
                for (mk, mv) in v.object ?? [:] where metadataFields.contains(mk) {
                    collect(mv, ["f:metadata", "f:\(mk)"], field: mk, into: &out)
                }
            default:
                if status && k != "status" { continue }
                collect(v, ["f:\(k)"], field: k, into: &out)
            }
        }
        return out
    }

    static func collect(_ v: JSON, _ path: Path, field: String, into out: inout Set<Path>) {
        switch v {
        case .object(let o) where !o.isEmpty:
            for (k, c) in o { collect(c, path + ["f:\(k)"], field: k, into: &out) }
        case .array(let a) where Patches.mergeKeys[field] != nil && !a.isEmpty:
            let key = Patches.mergeKeys[field]!
            for e in a {
                guard let id = e[key] else { out.insert(path); return }
                let step = "k:" + JSON.object([key: id]).text
                var inner = Set<Path>()
                collect(e, path + [step], field: "", into: &inner)
                out.formUnion(inner.isEmpty ? [path + [step]] : inner)
            }
        default:
            out.insert(path)
        }
    }

    static func value(_ o: JSON, at path: Path) -> JSON? {
        var cur: JSON? = o
        for step in path {
            if step.hasPrefix("f:") {
                cur = cur?[String(step.dropFirst(2))]
            } else if step.hasPrefix("k:"), let key = try? JSON.parse(String(step.dropFirst(2))), let (k, v) = key.object?.first {
                cur = cur?.array?.first { $0[k] == v }
            } else {
                return nil
            }
        }
        return cur
    }

    static func removing(_ path: Path, from o: JSON) -> JSON {
        guard let step = path.first else { return o }
        let rest = Array(path.dropFirst())
        if step.hasPrefix("f:"), case .object(var obj) = o {
            let k = String(step.dropFirst(2))
            if rest.isEmpty { obj[k] = nil } else if let c = obj[k] { obj[k] = removing(rest, from: c) }
            return .object(obj)
        }
        if step.hasPrefix("k:"), case .array(var a) = o, let key = try? JSON.parse(String(step.dropFirst(2))),
            let (k, v) = key.object?.first, let i = a.firstIndex(where: { $0[k] == v })
        {
            if rest.isEmpty { a.remove(at: i) } else { a[i] = removing(rest, from: a[i]) }
            return .array(a)
        }
        return o
    }

    // MARK: FieldsV1

    static func fieldsV1(_ set: Set<Path>) -> JSON {
        var root = JSON.object([:])
        for p in set { root.set(.object(root.value(at: p)?.object ?? [:]), at: p) }
        return root
    }

    static func paths(fromFieldsV1 f: JSON, prefix: Path = []) -> Set<Path> {
        var out = Set<Path>()
        for (k, v) in f.object ?? [:] where k != "." {
            let sub = paths(fromFieldsV1: v, prefix: prefix + [k])
            if sub.isEmpty { out.insert(prefix + [k]) } else { out.formUnion(sub) }
        }
        return out
    }

    struct Entry {
        var manager: String
        var operation: String
        var apiVersion: String
        var subresource: String?
        var fields: Set<Path>
        var time: String

        var json: JSON {
            var j: JSON = ["manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
                           "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": ManagedFields.fieldsV1(fields)]
            if let subresource { j["subresource"] = .string(subresource) }
            return j
        }
    }

    static func entries(of o: JSON) -> [Entry] {
        (o["metadata"]?["managedFields"]?.array ?? []).map {
            Entry(manager: $0["manager"]?.string ?? "", operation: $0["operation"]?.string ?? "Update",
                  apiVersion: $0["apiVersion"]?.string ?? "", subresource: $0["subresource"]?.string,
                  fields: paths(fromFieldsV1: $0["fieldsV1"] ?? [:]), time: $0["time"]?.string ?? "")
        }
    }

    static func store(_ entries: [Entry], into o: JSON) -> JSON {
        var n = o
        let kept = entries.filter { !$0.fields.isEmpty }
        n.set(kept.isEmpty ? nil : .array(kept.map(\.json)), at: ["metadata", "managedFields"])
        return n
    }

    /// An Update by `manager`: it takes the fields it changed from everyone else.
    static func recordUpdate(old: JSON?, new: JSON, manager: String, apiVersion: String, subresource: String? = nil) -> JSON {
        var entries = old.map(entries(of:)) ?? []
        let status = subresource == "status"
        let newLeaves = leaves(of: new, status: status)
        let oldLeaves = old.map { leaves(of: $0, status: status) } ?? []
        let changed = newLeaves.filter { p in (old.flatMap { o in value(o, at: p) }) != value(new, at: p) }
        let removed = oldLeaves.subtracting(newLeaves)
        if changed.isEmpty && removed.isEmpty && old != nil { return store(entries, into: new) }
        for i in entries.indices {
            entries[i].fields.subtract(changed)
            entries[i].fields.subtract(removed)
        }
        if let i = entries.firstIndex(where: { $0.manager == manager && $0.operation == "Update" && $0.subresource == subresource }) {
            entries[i].fields.formUnion(changed)
            entries[i].time = ObjectMeta.now()
        } else {
            entries.append(Entry(manager: manager, operation: "Update", apiVersion: apiVersion, subresource: subresource,
                                 fields: changed, time: ObjectMeta.now()))
        }
        return store(entries, into: new)
    }

    static func recordApply(_ o: JSON, applied: Set<Path>, manager: String, apiVersion: String, entries: [Entry],
                            subresource: String? = nil) -> JSON
    {
        var e = entries.filter { !($0.manager == manager && $0.operation == "Apply" && $0.subresource == subresource) }
        e.append(Entry(manager: manager, operation: "Apply", apiVersion: apiVersion, subresource: subresource,
                       fields: applied, time: ObjectMeta.now()))
        return store(e, into: o)
    }

    static func display(_ p: Path) -> String {
        p.map { s in s.hasPrefix("f:") ? "." + s.dropFirst(2) : "[" + s.dropFirst(2) + "]" }.joined()
    }
}
