import Foundation

/// A `globaldata` value: bytes written either as a base64 string (the schema's
/// `format: byte`) or, as upstream's samples do, a list of byte integers.
/// It re-encodes in the form it was read.
public enum ByteString: Codable, Sendable, Equatable {
    case base64(String)
    case list([UInt8])

    public init(_ bytes: [UInt8]) { self = .list(bytes) }

    public var bytes: [UInt8] {
        switch self {
        case .list(let b): return b
        case .base64(let s): return Data(base64Encoded: s).map(Array.init) ?? []
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            guard Data(base64Encoded: s) != nil else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(s)\" is not base64")
            }
            self = .base64(s)
        } else {
            self = .list(try c.decode([UInt8].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .base64(let s): try c.encode(s)
        case .list(let b): try c.encode(b)
        }
    }
}
