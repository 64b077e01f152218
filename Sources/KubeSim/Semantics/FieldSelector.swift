import Foundation

/// A field selector (`metadata.name=x,spec.nodeName!=y`), checked against the
/// fields a kind supports, as the API server does.
public struct FieldSelector: Sendable {
    public struct Term: Sendable {
        public var path: String
        public var value: String
        public var negated: Bool
    }

    public var terms: [Term]

    public init(parsing text: String, for type: ResourceType) throws {
        var terms: [Term] = []
        let allowed = Set(["metadata.name", "metadata.namespace"] + type.extraFieldLabels)
        for raw in text.split(separator: ",") {
            let t = String(raw)
            let neg = t.contains("!=")
            let parts = neg ? t.components(separatedBy: "!=") : t.components(separatedBy: t.contains("==") ? "==" : "=")
            guard parts.count == 2 else { throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(t)'") }
            let path = parts[0].trimmingCharacters(in: .whitespaces)
            guard allowed.contains(path) else {
                throw APIError.badRequest("field label not supported: \(path)")
            }
            terms.append(Term(path: path, value: parts[1].trimmingCharacters(in: .whitespaces), negated: neg))
        }
        self.terms = terms
    }

    public func matches(_ object: JSON) -> Bool {
        terms.allSatisfy { t in
            let v = object.value(at: t.path.split(separator: ".").map(String.init))
            let s: String
            switch v {
            case .string(let x)?: s = x
            case .bool(let b)?: s = b ? "true" : "false"
            case .int(let i)?: s = String(i)
            default: s = ""
            }
            return t.negated ? s != t.value : s == t.value
        }
    }
}
