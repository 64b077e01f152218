import Foundation

/// The keyless identities a policy entry trusts: a certificate's subject
/// (its SAN: e-mail or URI) must match one of `subjects`, and its OIDC
/// issuer one of `issuers` when any are given. Patterns match whole values.
public struct IdentityRule: Sendable, Equatable {
    public enum Pattern: Sendable, Equatable, CustomStringConvertible {
        case exact(String)
        case regexp(String)

        func matches(_ value: String) -> Bool {
            switch self {
            case .exact(let s): return s == value
            case .regexp(let p):
                guard let r = try? NSRegularExpression(pattern: "^(?:" + p + ")$") else { return false }
                return r.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
            }
        }

        public var description: String {
            switch self {
            case .exact(let s): s
            case .regexp(let p): "/\(p)/"
            }
        }

        /// Refuses a regular expression that does not compile, naming it.
        static func regexp(_ p: String, where place: String) throws -> Pattern {
            do { _ = try NSRegularExpression(pattern: p) } catch {
                throw SigningError.badConfiguration("\(place): \"\(p)\" is not a regular expression")
            }
            return .regexp(p)
        }
    }

    public var subjects: [Pattern]
    public var issuers: [Pattern]

    public init(subjects: [Pattern], issuers: [Pattern] = []) {
        self.subjects = subjects; self.issuers = issuers
    }

    /// Whether a certificate for `subject` from `issuer` is trusted; nil if
    /// so, else why not.
    public func refusal(subject: String, issuer: String?) -> String? {
        guard subjects.contains(where: { $0.matches(subject) }) else {
            return "the signer \(subject) is not an allowed identity (\(subjects.map(\.description).joined(separator: ", ")))"
        }
        guard issuers.isEmpty || issuer.map({ i in issuers.contains { $0.matches(i) } }) == true else {
            return "the signer \(subject)'s issuer \(issuer ?? "(none)") is not an allowed issuer (\(issuers.map(\.description).joined(separator: ", ")))"
        }
        return nil
    }
}
