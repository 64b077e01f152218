import Foundation

/// Applies a CRD's `openAPIV3Schema` to an object the way the API server does:
/// drop nulls the schema does not allow, prune unknown fields, apply defaults,
/// then validate. Field paths in the result use the API server's notation
/// (`spec.proceedon[0]`).
struct SchemaProcessor {
    var causes: [APIError.Cause] = []
    var pruned: [String] = []
    /// CEL rules outside the subset kubesim evaluates (reported as warnings).
    var unevaluated: [String] = []

    /// Processes a whole custom object; apiVersion, kind and metadata are the server's own.
    static func process(_ object: inout JSON, schema: JSON) -> SchemaProcessor {
        var p = SchemaProcessor()
        guard case .object(var o) = object else { return p }
        let props = schema["properties"]?.object ?? [:]
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.bool == true
        for key in o.keys.sorted() where !["apiVersion", "kind", "metadata"].contains(key) {
            if let sub = props[key] {
                var v = o[key]!
                if p.walk(&v, sub, key) { o[key] = v } else { o[key] = nil }
            } else if !preserve {
                o[key] = nil
                p.pruned.append(key)
            }
        }
        for (key, sub) in props where o[key] == nil && !["apiVersion", "kind", "metadata"].contains(key) {
            if let d = sub["default"] { var v = d; _ = p.walk(&v, sub, key); o[key] = v }
        }
        p.checkObject(o, schema, "", skipMeta: true)
        object = .object(o)
        return p
    }

    /// Returns false when the value should be removed (a null the schema does not allow).
    mutating func walk(_ value: inout JSON, _ s: JSON, _ path: String) -> Bool {
        if value == .null {
            return s["nullable"]?.bool == true
        }
        let preserve = s["x-kubernetes-preserve-unknown-fields"]?.bool == true
        switch value {
        case .object(var o):
            let props = s["properties"]?.object
            let addl = s["additionalProperties"]
            for key in o.keys.sorted() {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                let sub = props?[key] ?? (addl?.object != nil ? addl : nil)
                if let sub {
                    var v = o[key]!
                    if walk(&v, sub, addl?.object != nil && props?[key] == nil ? "\(path)[\(key)]" : childPath) {
                        o[key] = v
                    } else {
                        o[key] = nil
                    }
                } else if !preserve && addl?.bool != true {
                    o[key] = nil
                    pruned.append(childPath)
                }
            }
            for (key, sub) in props ?? [:] where o[key] == nil {
                if let d = sub["default"] {
                    var v = d
                    _ = walk(&v, sub, path.isEmpty ? key : "\(path).\(key)")
                    o[key] = v
                }
            }
            value = .object(o)
        case .array(var a):
            if let items = s["items"] {
                for i in a.indices {
                    var v = a[i]
                    _ = walk(&v, items, "\(path)[\(i)]")
                    a[i] = v
                }
            }
            value = .array(a)
        default: break
        }
        check(value, s, path)
        return true
    }

    mutating func fail(_ path: String, _ reason: String, _ message: String) {
        causes.append(APIError.Cause(field: path, reason: reason, message: message))
    }

    static func show(_ v: JSON) -> String {
        if case .string(let s) = v { return "\"\(s)\"" }
        if case .object = v { return "\"object\"" }
        if case .array = v { return "\"array\"" }
        return v.text
    }

    mutating func check(_ v: JSON, _ s: JSON, _ path: String) {
        let type = s["type"]?.string
        let intOrString = s["x-kubernetes-int-or-string"]?.bool == true
        if let type, !intOrString {
            var ok: Bool
            switch (type, v) {
            case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int),
                ("number", .int), ("number", .double):
                ok = true
            case ("integer", .double(let d)): ok = d.rounded() == d
            case ("string", .array(let a)) where s["format"]?.string == "byte":
                // Byte strings may also be written as a list of byte values (the bpfman samples do).
                ok = a.allSatisfy { ($0.int ?? -1) >= 0 && ($0.int ?? 256) <= 255 }
            default: ok = false
            }
            if !ok {
                fail(path, "FieldValueTypeInvalid",
                     "Invalid value: \(SchemaProcessor.show(v)): \(path) in body must be of type \(type): \(SchemaProcessor.show(v))")
                return
            }
        }
        if let en = s["enum"]?.array, !en.contains(v) {
            fail(path, "FieldValueNotSupported",
                 "Unsupported value: \(v.text): supported values: " + en.map(\.text).joined(separator: ", "))
        }
        switch v {
        case .string(let str):
            let n = str.count
            if let m = s["maxLength"]?.int, n > m { fail(path, "FieldValueTooLong", "Too long: may not be longer than \(m)") }
            if let m = s["minLength"]?.int, n < m {
                fail(path, "FieldValueInvalid", "Invalid value: \"\(str)\": \(path) in body should be at least \(m) chars long")
            }
            if let pat = s["pattern"]?.string {
                if let re = try? NSRegularExpression(pattern: pat),
                    re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil
                {
                    fail(path, "FieldValueInvalid", "Invalid value: \"\(str)\": \(path) in body should match '\(pat)'")
                }
            }
            if s["format"]?.string == "byte", Data(base64Encoded: str) == nil {
                fail(path, "FieldValueInvalid", "Invalid value: \"\(str)\": \(path) in body must be of type byte: \"\(str)\"")
            }
        case .int, .double:
            let x = v.number ?? 0
            if let m = s["maximum"]?.number {
                let excl = s["exclusiveMaximum"]?.bool == true
                if excl ? x >= m : x > m {
                    fail(path, "FieldValueInvalid",
                         "Invalid value: \(v.text): \(path) in body should be less than \(excl ? "" : "or equal to ")\(s["maximum"]!.text)")
                }
            }
            if let m = s["minimum"]?.number {
                let excl = s["exclusiveMinimum"]?.bool == true
                if excl ? x <= m : x < m {
                    fail(path, "FieldValueInvalid",
                         "Invalid value: \(v.text): \(path) in body should be greater than \(excl ? "" : "or equal to ")\(s["minimum"]!.text)")
                }
            }
        case .array(let a):
            if let m = s["maxItems"]?.int, a.count > m { fail(path, "FieldValueTooMany", "Too many: \(a.count): must have at most \(m) items") }
            if let m = s["minItems"]?.int, a.count < m {
                fail(path, "FieldValueInvalid", "Invalid value: \(a.count): \(path) in body should have at least \(m) items")
            }
            switch s["x-kubernetes-list-type"]?.string {
            case "set":
                var seen = Set<String>()
                for (i, e) in a.enumerated() where !seen.insert(e.text).inserted {
                    fail("\(path)[\(i)]", "FieldValueDuplicate", "Duplicate value: \(e.text)")
                }
            case "map":
                let keys = s["x-kubernetes-list-map-keys"]?.array?.compactMap(\.string) ?? []
                var seen = Set<String>()
                for (i, e) in a.enumerated() {
                    let id = keys.map { e[$0]?.text ?? "null" }.joined(separator: ",")
                    if !seen.insert(id).inserted {
                        fail("\(path)[\(i)]", "FieldValueDuplicate", "Duplicate value: {\(id)}")
                    }
                }
            default: break
            }
        case .object(let o):
            checkObject(o, s, path, skipMeta: false)
        default: break
        }
        for sub in s["allOf"]?.array ?? [] { check(v, sub, path) }
        for rule in s["x-kubernetes-validations"]?.array ?? [] {
            guard let text = rule["rule"]?.string else { continue }
            switch CELSubset.evaluate(text, self: v) {
            case true?: break
            case false?:
                let msg = rule["message"]?.string ?? "failed rule: \(text)"
                fail(path, "FieldValueInvalid", "Invalid value: \(SchemaProcessor.show(v)): \(msg)")
            case nil: unevaluated.append("\(path.isEmpty ? "<root>" : path): \(text)")
            }
        }
        if let any = s["anyOf"]?.array, !any.isEmpty {
            let okAny = any.contains { sub in var q = SchemaProcessor(); q.check(v, sub, path); return q.causes.isEmpty }
            if !okAny { fail(path, "FieldValueInvalid", "Invalid value: \(SchemaProcessor.show(v)): \(path) in body must match at least one schema in anyOf") }
        }
        if let one = s["oneOf"]?.array, !one.isEmpty {
            let n = one.filter { sub in var q = SchemaProcessor(); q.check(v, sub, path); return q.causes.isEmpty }.count
            if n != 1 { fail(path, "FieldValueInvalid", "Invalid value: \(SchemaProcessor.show(v)): \(path) in body must match exactly one schema in oneOf") }
        }
    }

    mutating func checkObject(_ o: [String: JSON], _ s: JSON, _ path: String, skipMeta: Bool) {
        for r in s["required"]?.array?.compactMap(\.string) ?? [] where o[r] == nil {
            if skipMeta && ["apiVersion", "kind", "metadata"].contains(r) { continue }
            fail(path.isEmpty ? r : "\(path).\(r)", "FieldValueRequired", "Required value")
        }
        let count = skipMeta ? o.keys.filter { !["apiVersion", "kind", "metadata"].contains($0) }.count : o.count
        if let m = s["maxProperties"]?.int, count > m {
            fail(path, "FieldValueTooMany", "Too many: \(count): must have at most \(m) items")
        }
        if let m = s["minProperties"]?.int, count < m {
            fail(path, "FieldValueInvalid", "Invalid value: \(count): \(path) in body should have at least \(m) properties")
        }
    }
}
