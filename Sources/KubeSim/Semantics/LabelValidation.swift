import Foundation

/// The API server's checks on `metadata.labels`: a key is an optional DNS
/// subdomain prefix and a name of at most 63 characters; a value is empty or
/// at most 63 characters of alphanumerics, '-', '_' and '.', starting and
/// ending with an alphanumeric.
enum LabelValidation {
    static let limit = 63

    static func causes(_ labels: JSON?) -> [APIError.Cause] {
        guard case .object(let l)? = labels else { return [] }
        var out: [APIError.Cause] = []
        for (key, value) in l.sorted(by: { $0.key < $1.key }) {
            out += keyProblems(key).map { cause(key, $0) }
            guard let v = value.string else {
                out.append(APIError.Cause(field: "metadata.labels", reason: "FieldValueTypeInvalid",
                                          message: "Invalid value: the value of label \"\(key)\" must be a string"))
                continue
            }
            if v.count > limit { out.append(cause(v, "must be no more than \(limit) characters")) }
            if !isQualifiedPart(v, allowEmpty: true) {
                out.append(cause(v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"))
            }
        }
        return out
    }

    private static func keyProblems(_ key: String) -> [String] {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts.last ?? ""
        var problems: [String] = []
        if parts.count == 2 {
            let prefix = parts[0]
            if prefix.isEmpty || prefix.count > 253 || !ObjectMeta.isValidName(prefix) {
                problems.append("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
            }
        }
        if name.isEmpty { problems.append("name part must be non-empty") }
        if name.count > limit { problems.append("name part must be no more than \(limit) characters") }
        if !name.isEmpty && !isQualifiedPart(name, allowEmpty: false) {
            problems.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")
        }
        return problems
    }

    private static func isQualifiedPart(_ s: String, allowEmpty: Bool) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return allowEmpty }
        func alnum(_ c: Unicode.Scalar) -> Bool { c.isASCII && (CharacterSet.alphanumerics.contains(c)) }
        return alnum(first) && alnum(last) && s.unicodeScalars.allSatisfy { alnum($0) || "-_.".unicodeScalars.contains($0) }
    }

    private static func cause(_ value: String, _ message: String) -> APIError.Cause {
        APIError.Cause(field: "metadata.labels", reason: "FieldValueInvalid", message: "Invalid value: \"\(value)\": \(message)")
    }
}
