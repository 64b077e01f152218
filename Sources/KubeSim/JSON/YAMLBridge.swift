import Foundation

/// Turns what Yams decodes into a JSON value.
enum YAMLBridge {
    static func json(from any: Any?) -> JSON {
        switch any {
        case nil: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any?]: return .array(a.map(json(from:)))
        case let m as [String: Any?]: return .object(m.mapValues(json(from:)))
        case let m as [AnyHashable: Any?]:
            var o: [String: JSON] = [:]
            for (k, v) in m { o["\(k)"] = json(from: v) }
            return .object(o)
        case is NSNull: return .null
        default: return .string("\(any!)")
        }
    }
}
