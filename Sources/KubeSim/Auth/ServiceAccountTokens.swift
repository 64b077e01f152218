import Crypto
import Foundation

/// Bearer tokens for ServiceAccounts, as TokenRequest (`kubectl create token`)
/// hands them out: bound to the account's uid and an expiry, and signed with a
/// key kubesim keeps in its data directory, so a restarted kubesim still
/// accepts them and nothing per token is stored. A token whose account was
/// deleted (or deleted and made again: a new uid) no longer authenticates,
/// as with the real server's bound tokens. The format is kubesim's own, not a JWT.
struct ServiceAccountTokens: Sendable {
    let key: SymmetricKey
    static let prefix = "kubesim-sa."

    struct Claims: Equatable {
        var namespace: String
        var name: String
        var uid: String
        var expires: Int64
    }

    func mint(_ c: Claims) -> String {
        let payload = Data("\(c.namespace)\n\(c.name)\n\(c.uid)\n\(c.expires)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Self.prefix + Self.base64url(payload) + "." + Self.base64url(Data(mac))
    }

    /// The claims of a token this kubesim signed and that has not expired, or nil.
    func verify(_ token: String, now: Date = Date()) -> Claims? {
        guard token.hasPrefix(Self.prefix) else { return nil }
        let parts = token.dropFirst(Self.prefix.count).split(separator: ".")
        guard parts.count == 2, let payload = Self.unbase64url(String(parts[0])), let mac = Self.unbase64url(String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key)
        else { return nil }
        let f = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 4, let exp = Int64(f[3]), exp > Int64(now.timeIntervalSince1970) else { return nil }
        return Claims(namespace: f[0], name: f[1], uid: f[2], expires: exp)
    }

    static func base64url(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ s: String) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }
}
