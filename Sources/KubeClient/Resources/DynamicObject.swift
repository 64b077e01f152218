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
