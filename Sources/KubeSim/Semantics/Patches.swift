import Foundation

/// The three patch formats kubectl sends: JSON merge patch (RFC 7386), JSON
/// patch (RFC 6902) and strategic merge patch (merge patch plus list merge by
/// key for the built-in fields that have one, and `$patch` directives).
enum Patches {
    static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let p) = patch else { return patch }
        var t = target.object ?? [:]
        for (k, v) in p {
            if v == .null { t[k] = nil } else { t[k] = mergePatch(t[k] ?? .null, v) }
        }
        return .object(t)
    }

    static func jsonPatch(_ target: JSON, _ ops: JSON) throws -> JSON {
        guard let list = ops.array else { throw APIError.badRequest("json patch must be an array of operations") }
        var doc = target
        for (n, op) in list.enumerated() {
            guard let name = op["op"]?.string, let path = op["path"]?.string else {
                throw APIError.badRequest("json patch operation \(n) needs \"op\" and \"path\"")
            }
            let tokens = try pointer(path)
            switch name {
            case "add": doc = try apply(doc, tokens, .add(try valueOf(op, n)))
            case "remove": doc = try apply(doc, tokens, .remove)
            case "replace": doc = try apply(doc, tokens, .replace(try valueOf(op, n)))
            case "test":
                guard resolve(doc, tokens) == (try valueOf(op, n)) else {
                    throw APIError(code: 422, reason: "Invalid", message: "the json patch test at \(path) failed")
                }
            case "move", "copy":
                guard let from = op["from"]?.string else { throw APIError.badRequest("json patch \(name) needs \"from\"") }
                let ft = try pointer(from)
                guard let v = resolve(doc, ft) else { throw APIError.badRequest("json patch \(name): \(from) not found") }
                if name == "move" { doc = try apply(doc, ft, .remove) }
                doc = try apply(doc, tokens, .add(v))
            default: throw APIError.badRequest("json patch operation \(n): unknown op \"\(name)\"")
            }
        }
        return doc
    }

    private enum Op { case add(JSON), remove, replace(JSON) }

    private static func valueOf(_ op: JSON, _ n: Int) throws -> JSON {
        guard let v = op["value"] else { throw APIError.badRequest("json patch operation \(n) needs \"value\"") }
        return v
    }

    private static func pointer(_ p: String) throws -> [String] {
        if p.isEmpty { return [] }
        guard p.hasPrefix("/") else { throw APIError.badRequest("json patch path \"\(p)\" must start with /") }
        return p.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func resolve(_ doc: JSON, _ tokens: [String]) -> JSON? {
        var cur: JSON? = doc
        for t in tokens {
            switch cur {
            case .object(let o)?: cur = o[t]
            case .array(let a)?: cur = Int(t).flatMap { $0 >= 0 && $0 < a.count ? a[$0] : nil }
            default: return nil
            }
        }
        return cur
    }

    private static func apply(_ doc: JSON, _ tokens: [String], _ op: Op) throws -> JSON {
        guard let head = tokens.first else {
            switch op {
            case .add(let v), .replace(let v): return v
            case .remove: return .null
            }
        }
        let rest = Array(tokens.dropFirst())
        let path = "/" + tokens.joined(separator: "/")
        switch doc {
        case .object(var o):
            if rest.isEmpty {
                switch op {
                case .add(let v): o[head] = v
                case .replace(let v):
                    guard o[head] != nil else { throw APIError.badRequest("json patch replace: \(path) does not exist") }
                    o[head] = v
                case .remove:
                    guard o[head] != nil else { throw APIError.badRequest("json patch remove: \(path) does not exist") }
                    o[head] = nil
                }
            } else {
                guard let child = o[head] else { throw APIError.badRequest("json patch: \(path) does not exist") }
                o[head] = try apply(child, rest, op)
            }
            return .object(o)
        case .array(var a):
            let idx = head == "-" ? a.count : Int(head) ?? -1
            if rest.isEmpty {
                switch op {
                case .add(let v):
                    guard idx >= 0 && idx <= a.count else { throw APIError.badRequest("json patch add: index \(head) out of range") }
                    a.insert(v, at: idx)
                case .replace(let v):
                    guard idx >= 0 && idx < a.count else { throw APIError.badRequest("json patch replace: index \(head) out of range") }
                    a[idx] = v
                case .remove:
                    guard idx >= 0 && idx < a.count else { throw APIError.badRequest("json patch remove: index \(head) out of range") }
                    a.remove(at: idx)
                }
            } else {
                guard idx >= 0 && idx < a.count else { throw APIError.badRequest("json patch: index \(head) out of range") }
                a[idx] = try apply(a[idx], rest, op)
            }
            return .array(a)
        default:
            throw APIError.badRequest("json patch: \(path) is not inside an object or array")
        }
    }

    /// List fields merged by key in strategic merge patch (field name → key).
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
        "volumeMounts": "mountPath", "ports": "containerPort", "imagePullSecrets": "name",
        "conditions": "type", "ownerReferences": "uid", "volumeDevices": "devicePath",
    ]

    static func strategicMergePatch(_ target: JSON, _ patch: JSON, field: String? = nil) throws -> JSON {
        guard case .object(var p) = patch else { return patch }
        if p["$patch"]?.string == "replace" { p["$patch"] = nil; return .object(p) }
        if p["$patch"]?.string == "delete" { return .null }
        var t = target.object ?? [:]
        for (k, v) in p {
            if k.hasPrefix("$setElementOrder/") || k == "$retainKeys" { continue }
            if k.hasPrefix("$deleteFromPrimitiveList/") {
                let name = String(k.dropFirst("$deleteFromPrimitiveList/".count))
                let drop = Set((v.array ?? []).map(\.text))
                t[name] = .array((t[name]?.array ?? []).filter { !drop.contains($0.text) })
                continue
            }
            if v == .null { t[k] = nil; continue }
            if case .array(let items) = v, let key = mergeKeys[k], case .array(let existing)? = t[k] {
                t[k] = .array(try mergeList(existing, items, key: key))
            } else if case .object = v {
                let merged = try strategicMergePatch(t[k] ?? .null, v, field: k)
                t[k] = merged == .null ? nil : merged
            } else {
                t[k] = v
            }
        }
        return .object(t)
    }

    private static func mergeList(_ existing: [JSON], _ patch: [JSON], key: String) throws -> [JSON] {
        var out = existing
        for item in patch {
            guard let id = item[key] else { out.append(item); continue }
            let idx = out.firstIndex { $0[key] == id }
            if item["$patch"]?.string == "delete" {
                if let idx { out.remove(at: idx) }
                continue
            }
            if let idx { out[idx] = try strategicMergePatch(out[idx], item) } else { out.append(item) }
        }
        return out
    }
}
