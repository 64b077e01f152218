import Foundation

/// A label selector in its query-string form (`a=b,c!=d,e in (f,g),h notin (i),j,!k`).
public struct LabelSelector: Sendable, Equatable {
    public enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case notExists(String)
    }

    public var requirements: [Requirement]
    public var isEverything: Bool { requirements.isEmpty }

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    public init(parsing text: String) throws {
        var reqs: [Requirement] = []
        for term in LabelSelector.splitTerms(text) {
            let t = term.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            if let r = try LabelSelector.setTerm(t, op: " notin ", make: Requirement.notIn) { reqs.append(r); continue }
            if let r = try LabelSelector.setTerm(t, op: " in ", make: Requirement.isIn) { reqs.append(r); continue }
            if let r = LabelSelector.binary(t, "!=", Requirement.notEquals) { reqs.append(r); continue }
            if let r = LabelSelector.binary(t, "==", Requirement.equals) { reqs.append(r); continue }
            if let r = LabelSelector.binary(t, "=", Requirement.equals) { reqs.append(r); continue }
            if t.hasPrefix("!") {
                let k = String(t.dropFirst()).trimmingCharacters(in: .whitespaces)
                try LabelSelector.checkKey(k, text)
                reqs.append(.notExists(k))
                continue
            }
            try LabelSelector.checkKey(t, text)
            reqs.append(.exists(t))
        }
        self.requirements = reqs
    }

    /// From a metav1.LabelSelector object.
    init(json: JSON) throws { try self.init(parsing: LabelSelector.string(fromJSON: json)) }

    /// Against an object's `metadata.labels`.
    func matches(_ labels: JSON?) -> Bool {
        matches((labels?.object ?? [:]).compactMapValues(\.string))
    }

    /// A metav1.LabelSelector object (matchLabels, matchExpressions) in the
    /// string form, as a Scale's `status.selector` carries it.
    static func string(fromJSON s: JSON?) -> String {
        guard let s else { return "" }
        var terms = (s["matchLabels"]?.object ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.string ?? "")" }
        for e in s["matchExpressions"]?.array ?? [] {
            let key = e["key"]?.string ?? ""
            let values = (e["values"]?.array ?? []).compactMap(\.string).sorted().joined(separator: ",")
            switch e["operator"]?.string {
            case "In": terms.append("\(key) in (\(values))")
            case "NotIn": terms.append("\(key) notin (\(values))")
            case "Exists": terms.append(key)
            case "DoesNotExist": terms.append("!\(key)")
            default: break
            }
        }
        return terms.joined(separator: ",")
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .isIn(let k, let vs): return labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): return labels[k].map { !vs.contains($0) } ?? true
            case .exists(let k): return labels[k] != nil
            case .notExists(let k): return labels[k] == nil
            }
        }
    }

    /// Splits at commas that are not inside parentheses.
    static func splitTerms(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0
        for c in s {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == ",", depth == 0 { out.append(cur); cur = ""; continue }
            cur.append(c)
        }
        out.append(cur)
        return out
    }

    static func binary(_ t: String, _ op: String, _ make: (String, String) -> Requirement) -> Requirement? {
        guard let r = t.range(of: op) else { return nil }
        let k = t[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        let v = t[r.upperBound...].trimmingCharacters(in: .whitespaces)
        return make(k, v)
    }

    static func setTerm(_ t: String, op: String, make: (String, Set<String>) -> Requirement) throws -> Requirement? {
        guard let r = t.range(of: op) else { return nil }
        let k = t[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        let rest = t[r.upperBound...].trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("("), rest.hasSuffix(")") else {
            throw APIError.badRequest("unable to parse requirement: found '\(rest)', expected: '('")
        }
        let vs = rest.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return make(k, Set(vs))
    }

    static func checkKey(_ k: String, _ whole: String) throws {
        let ok = !k.isEmpty && k.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
        if !ok { throw APIError.badRequest("unable to parse requirement: invalid label key \"\(k)\" in selector \"\(whole)\"") }
    }
}
