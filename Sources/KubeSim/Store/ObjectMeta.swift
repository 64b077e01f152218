import Foundation

/// Helpers for the `metadata` of stored objects.
enum ObjectMeta {
    static func name(_ o: JSON) -> String { o["metadata"]?["name"]?.string ?? "" }
    static func namespace(_ o: JSON) -> String { o["metadata"]?["namespace"]?.string ?? "" }
    static func uid(_ o: JSON) -> String { o["metadata"]?["uid"]?.string ?? "" }
    static func resourceVersion(_ o: JSON) -> String { o["metadata"]?["resourceVersion"]?.string ?? "" }
    static func finalizers(_ o: JSON) -> [String] { o["metadata"]?["finalizers"]?.array?.compactMap(\.string) ?? [] }
    static func isDeleting(_ o: JSON) -> Bool { o["metadata"]?["deletionTimestamp"] != nil }

    static func labels(_ o: JSON) -> [String: String] {
        (o["metadata"]?["labels"]?.object ?? [:]).compactMapValues(\.string)
    }

    static func ownerUIDs(_ o: JSON) -> [String] {
        o["metadata"]?["ownerReferences"]?.array?.compactMap { $0["uid"]?.string } ?? []
    }

    static func key(namespace: String, name: String) -> String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    static func newUID() -> String { UUID().uuidString.lowercased() }

    /// Five characters from the alphabet the API server uses for generateName.
    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    /// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters.
    static func isValidName(_ n: String) -> Bool {
        guard !n.isEmpty, n.count <= 253, let first = n.first, let last = n.last else { return false }
        let ok = n.allSatisfy { ($0.isLetter && $0.isLowercase && $0.isASCII) || ($0.isNumber && $0.isASCII) || $0 == "-" || $0 == "." }
        return ok && (first.isLetter || first.isNumber) && (last.isLetter || last.isNumber)
    }

    /// Everything but metadata and status: a change here bumps `metadata.generation`.
    static func specPart(_ o: JSON) -> JSON {
        var c = o.object ?? [:]
        for k in ["metadata", "status", "apiVersion", "kind"] { c[k] = nil }
        return .object(c)
    }

    /// Compares two objects ignoring the fields the server maintains itself.
    static func sameContent(_ a: JSON, _ b: JSON) -> Bool {
        func strip(_ o: JSON) -> JSON {
            var c = o
            var m = c["metadata"] ?? [:]
            m["resourceVersion"] = nil
            m["managedFields"] = nil
            m["generation"] = nil
            c["metadata"] = m
            return c
        }
        return strip(a) == strip(b)
    }
}
