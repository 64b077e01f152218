/// Any Kubernetes object, untyped: for kinds without a Swift type.
public struct DynamicObject: Codable, Sendable, Equatable {
    public var value: AnyJSON

    public init(_ value: AnyJSON) { self.value = value }
    public init(from decoder: Decoder) throws { value = try AnyJSON(from: decoder) }
    public func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }

    public var name: String? { value["metadata"]?["name"]?.stringValue }
    public var resourceVersion: String? { value["metadata"]?["resourceVersion"]?.stringValue }
    public subscript(key: String) -> AnyJSON? { value[key] }
}

/// A JSON value decoded through Codable.
public enum AnyJSON: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AnyJSON])
    case object([String: AnyJSON])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): if d.rounded() == d && abs(d) < 1e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public subscript(key: String) -> AnyJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
}

extension AnyJSON: ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, AnyJSON)...) { self = .object(Dictionary(elements) { $1 }) }
    public init(arrayLiteral elements: AnyJSON...) { self = .array(elements) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(nilLiteral: ()) { self = .null }

    public var objectValue: [String: AnyJSON]? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [AnyJSON]? { if case .array(let a) = self { return a }; return nil }

    /// Reads or sets a member of an object (setting on a non-object makes it one).
    public subscript(member key: String) -> AnyJSON? {
        get { self[key] }
        set {
            var o = objectValue ?? [:]
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Whether every member and element of `self` is in `other` with the same
    /// value: `other` may have more members (an API server's defaults), not
    /// other values. Arrays must match element by element.
    public func isSubset(of other: AnyJSON) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            return a.allSatisfy { k, v in b[k].map { v.isSubset(of: $0) } ?? (v == .null) }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isSubset(of: $1) }
        case (.number(let a), .number(let b)):
            return a == b
        default:
            return self == other
        }
    }
}
