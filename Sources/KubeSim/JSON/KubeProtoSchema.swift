/// `KubeProto.source` parsed: every message's fields by number and by name,
/// with the markers the wire format cannot carry (pointer, always written,
/// inlined). `ProtobufBodies` walks bytes with it in both directions.
struct KubeProtoSchema: Sendable {
    enum Scalar: String, Sendable { case string, bytes, int32, int64, bool }

    enum ValueType: Sendable, Equatable {
        case scalar(Scalar)
        case message(String)
    }

    struct Field: Sendable {
        let name: String
        let number: Int
        let type: ValueType
        let repeated: Bool
        /// Set for `map<string, V>` fields: the entries' value type.
        let mapValue: ValueType?
        /// A Go pointer: its zero value is still a value and JSON keeps it.
        var pointer = false
        /// Written by Go's JSON encoder even when zero (no omitempty).
        var always = false
        /// An embedded Go struct: JSON flattens its fields into the parent.
        var inline = false

        /// Whether a zero value of this field appears in the JSON.
        var keepsZero: Bool { pointer || always }
    }

    struct Message: Sendable {
        let name: String
        let fields: [Int: Field]
        let byName: [String: Field]
        /// Fields in number order, for encoding.
        let ordered: [Field]
    }

    let messages: [String: Message]

    static let shared: KubeProtoSchema = {
        do { return try KubeProtoSchema(parsing: KubeProto.source) } catch { fatalError("KubeProto.source: \(error)") }
    }()

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    init(parsing text: String) throws {
        var messages: [String: Message] = [:]
        var current: (name: String, fields: [Field])?
        for (lineNumber, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let parts = rawLine.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false)
            let code = String(parts.first ?? "")
            let comment = parts.count > 1 ? String(parts[1]) : ""
            var tokens = Self.tokens(code)[...]
            var lastFieldIndex: Int?
            func fail(_ why: String) -> ParseError { ParseError(description: "line \(lineNumber + 1): \(why): \(rawLine)") }
            while let t = tokens.first {
                tokens = tokens.dropFirst()
                switch t {
                case "message":
                    guard current == nil, let name = tokens.first, tokens.dropFirst().first == "{" else { throw fail("a message must be top-level and named") }
                    tokens = tokens.dropFirst(2)
                    current = (name, [])
                case "}":
                    guard let c = current else { throw fail("unbalanced }") }
                    var byNumber: [Int: Field] = [:], byName: [String: Field] = [:]
                    for f in c.fields {
                        guard byNumber.updateValue(f, forKey: f.number) == nil, byName.updateValue(f, forKey: f.name) == nil else {
                            throw fail("\(c.name) declares field \(f.number) or \(f.name) twice")
                        }
                    }
                    messages[c.name] = Message(name: c.name, fields: byNumber, byName: byName, ordered: c.fields.sorted { $0.number < $1.number })
                    current = nil
                    lastFieldIndex = nil
                case "optional", "repeated":
                    guard current != nil else { throw fail("a field outside a message") }
                    let rest = Array(tokens.prefix(5))
                    guard rest.count == 5, rest[2] == "=", let n = Int(rest[3]), rest[4] == ";" else { throw fail("expected TYPE NAME = NUMBER;") }
                    tokens = tokens.dropFirst(5)
                    current!.fields.append(Field(name: rest[1], number: n, type: Self.valueType(rest[0]), repeated: t == "repeated", mapValue: nil))
                    lastFieldIndex = current!.fields.count - 1
                case "map":
                    guard current != nil else { throw fail("a field outside a message") }
                    let rest = Array(tokens.prefix(9))
                    guard rest.count == 9, rest[0] == "<", rest[1] == "string", rest[2] == ",", rest[4] == ">",
                          rest[6] == "=", let n = Int(rest[7]), rest[8] == ";" else { throw fail("expected map<string, V> NAME = NUMBER;") }
                    tokens = tokens.dropFirst(9)
                    current!.fields.append(Field(name: rest[5], number: n, type: .message("<map entry>"), repeated: true, mapValue: Self.valueType(rest[3])))
                    lastFieldIndex = current!.fields.count - 1
                default:
                    // `syntax = "proto2";` and anything else at top level.
                    guard current == nil else { throw fail("unexpected \(t)") }
                    while let s = tokens.first, s != ";" { tokens = tokens.dropFirst() }
                    tokens = tokens.dropFirst()
                }
            }
            if let i = lastFieldIndex {
                if comment.contains("+ptr") { current!.fields[i].pointer = true }
                if comment.contains("+always") { current!.fields[i].always = true }
                if comment.contains("+inline") { current!.fields[i].inline = true }
            }
        }
        guard current == nil else { throw ParseError(description: "message \(current!.name) is not closed") }
        for m in messages.values {
            for f in m.ordered {
                for case .message(let name) in [f.mapValue ?? f.type] where messages[name] == nil {
                    throw ParseError(description: "\(m.name).\(f.name) names an undefined message \(name)")
                }
                if f.inline, case .message = f.type {} else if f.inline {
                    throw ParseError(description: "\(m.name).\(f.name) is inline but not a message")
                }
            }
        }
        self.messages = messages
    }

    static func valueType(_ token: String) -> ValueType {
        Scalar(rawValue: token).map(ValueType.scalar) ?? .message(token)
    }

    static func tokens(_ code: String) -> [String] {
        var out: [String] = []
        var word = ""
        for ch in code {
            if ch.isWhitespace || "{};=<>,".contains(ch) {
                if !word.isEmpty { out.append(word); word = "" }
                if !ch.isWhitespace { out.append(String(ch)) }
            } else {
                word.append(ch)
            }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }
}
