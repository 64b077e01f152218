import Foundation

/// A JSON/YAML value for generated manifests (schemas, CRDs, RBAC).
public indirect enum SchemaValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([SchemaValue])
    case object([String: SchemaValue])

    public init(stringLiteral v: String) { self = .string(v) }
    public init(integerLiteral v: Int) { self = .int(v) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(arrayLiteral v: SchemaValue...) { self = .array(v) }
    public init(dictionaryLiteral v: (String, SchemaValue)...) { self = .object(Dictionary(v, uniquingKeysWith: { _, b in b })) }

    public subscript(key: String) -> SchemaValue? {
        get { if case .object(let o) = self { return o[key] }; return nil }
        set { if case .object(var o) = self { o[key] = newValue; self = .object(o) } }
    }

    /// As Foundation values, for Yams and JSONSerialization.
    public var any: Any {
        switch self {
        case .string(let s): return s
        case .int(let i): return i
        case .bool(let b): return b
        case .array(let a): return a.map(\.any)
        case .object(let o): return o.mapValues(\.any)
        }
    }
}

/// Builders for openAPIV3Schema nodes, so types describe their own schema.
public enum S {
    public static func string(_ description: String? = nil, enum values: [String]? = nil, default d: String? = nil,
                              pattern: String? = nil, format: String? = nil, minLength: Int? = nil, maxLength: Int? = nil) -> SchemaValue
    {
        var o: [String: SchemaValue] = ["type": "string"]
        if let description { o["description"] = .string(description) }
        if let values { o["enum"] = .array(values.map(SchemaValue.string)) }
        if let d { o["default"] = .string(d) }
        if let pattern { o["pattern"] = .string(pattern) }
        if let format { o["format"] = .string(format) }
        if let minLength { o["minLength"] = .int(minLength) }
        if let maxLength { o["maxLength"] = .int(maxLength) }
        return .object(o)
    }

    public static func integer(_ description: String? = nil, format: String, minimum: Int? = nil, maximum: Int? = nil,
                               default d: Int? = nil) -> SchemaValue
    {
        var o: [String: SchemaValue] = ["type": "integer", "format": .string(format)]
        if let description { o["description"] = .string(description) }
        if let minimum { o["minimum"] = .int(minimum) }
        if let maximum { o["maximum"] = .int(maximum) }
        if let d { o["default"] = .int(d) }
        return .object(o)
    }

    public static func boolean(_ description: String? = nil, default d: Bool? = nil) -> SchemaValue {
        var o: [String: SchemaValue] = ["type": "boolean"]
        if let description { o["description"] = .string(description) }
        if let d { o["default"] = .bool(d) }
        return .object(o)
    }

    public static func array(_ items: SchemaValue, _ description: String? = nil, minItems: Int? = nil, maxItems: Int? = nil,
                             default d: [String]? = nil, listType: String? = nil, mapKeys: [String]? = nil) -> SchemaValue
    {
        var o: [String: SchemaValue] = ["type": "array", "items": items]
        if let description { o["description"] = .string(description) }
        if let minItems { o["minItems"] = .int(minItems) }
        if let maxItems { o["maxItems"] = .int(maxItems) }
        if let d { o["default"] = .array(d.map(SchemaValue.string)) }
        if let listType { o["x-kubernetes-list-type"] = .string(listType) }
        if let mapKeys { o["x-kubernetes-list-map-keys"] = .array(mapKeys.map(SchemaValue.string)) }
        return .object(o)
    }

    public static func object(_ properties: [String: SchemaValue], _ description: String? = nil, required: [String] = [],
                              minProperties: Int? = nil, maxProperties: Int? = nil, atomic: Bool = false,
                              validations: [(rule: String, message: String)] = []) -> SchemaValue
    {
        var o: [String: SchemaValue] = ["type": "object"]
        if !properties.isEmpty { o["properties"] = .object(properties) }
        if let description { o["description"] = .string(description) }
        if !required.isEmpty { o["required"] = .array(required.sorted().map(SchemaValue.string)) }
        if let minProperties { o["minProperties"] = .int(minProperties) }
        if let maxProperties { o["maxProperties"] = .int(maxProperties) }
        if atomic { o["x-kubernetes-map-type"] = "atomic" }
        if !validations.isEmpty {
            o["x-kubernetes-validations"] = .array(validations.map { ["rule": .string($0.rule), "message": .string($0.message)] })
        }
        return .object(o)
    }

    public static func map(_ values: SchemaValue, _ description: String? = nil) -> SchemaValue {
        var o: [String: SchemaValue] = ["type": "object", "additionalProperties": values]
        if let description { o["description"] = .string(description) }
        return .object(o)
    }

    /// Merges property sets (for the inlined structs upstream embeds).
    public static func merge(_ parts: [String: SchemaValue]...) -> [String: SchemaValue] {
        parts.reduce(into: [:]) { $0.merge($1) { a, _ in a } }
    }
}
