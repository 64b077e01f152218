import BpfKernel
import FoundationEssentials

/// The small part of TOML bpfman.toml uses, read line by line: `[table]`,
/// `[[array.of.tables]]`, and `key = value` with strings, booleans,
/// integers and one-line arrays of strings. Whatever else is skipped, as
/// upstream ignores unknown keys.
struct TomlLines {
    enum Value: Equatable {
        case string(String), bool(Bool), int(Int), strings([String])

        var string: String? { if case .string(let s) = self { s } else { nil } }
        var strings: [String]? {
            switch self {
            case .strings(let a): a
            case .string(let s): [s]
            default: nil
            }
        }
    }

    enum Line: Equatable {
        case table(String)
        case arrayTable(String)
        case pair(String, Value)
    }

    /// Each meaningful line with its 1-based number.
    static func read(_ text: String) -> [(number: Int, line: Line)] {
        var out: [(Int, Line)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(raw)).trimmed
            if line.isEmpty { continue }
            if line.hasPrefix("[[") && line.hasSuffix("]]") {
                out.append((i + 1, .arrayTable(String(line.dropFirst(2).dropLast(2)).trimmed)))
            } else if line.hasPrefix("[") && line.hasSuffix("]") {
                out.append((i + 1, .table(String(line.dropFirst().dropLast()).trimmed)))
            } else if let eq = line.firstIndex(of: "=") {
                let key = String(line[..<eq]).trimmed.unquoted
                if let value = parseValue(String(line[line.index(after: eq)...]).trimmed) {
                    out.append((i + 1, .pair(key, value)))
                }
            }
        }
        return out
    }

    static func parseValue(_ text: String) -> Value? {
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let n = Int(text) { return .int(n) }
        if text.hasPrefix("[") && text.hasSuffix("]") {
            let inner = String(text.dropFirst().dropLast())
            return .strings(splitArray(inner).map(\.unquoted).filter { !$0.isEmpty })
        }
        if text.hasPrefix("\"") || text.hasPrefix("'") { return .string(text.unquoted) }
        return nil
    }

    /// Splits `"a", "b,c"` at the commas outside quotes.
    private static func splitArray(_ s: String) -> [String] {
        var parts: [String] = [], current = "", quote: Character?
        for c in s {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c; current.append(c)
            } else if c == "," {
                parts.append(current.trimmed); current = ""
            } else {
                current.append(c)
            }
        }
        if !current.trimmed.isEmpty { parts.append(current.trimmed) }
        return parts
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ s: String) -> String {
        var quote: Character?
        for (i, c) in zip(s.indices, s) {
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "#" {
                return String(s[..<i])
            }
        }
        return s
    }
}

extension String {
    var trimmed: String { PlainText.trimmed(self) }
    /// Without one pair of surrounding quotes (TOML basic strings keep their `\"` and `\\` escapes resolved).
    var unquoted: String {
        guard count >= 2, let f = first, f == "\"" || f == "'", last == f else { return self }
        let inner = String(dropFirst().dropLast())
        guard f == "\"" else { return inner }
        let escapedBackslashesOut = PlainText.replacing("\\\\", with: "\u{0}", in: inner)
        return PlainText.replacing("\u{0}", with: "\\", in: PlainText.replacing("\\\"", with: "\"", in: escapedBackslashesOut))
    }
}
