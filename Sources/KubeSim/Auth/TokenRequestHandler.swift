import Foundation
import NIOConcurrencyHelpers

/// `POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token` (what
/// `kubectl create token` sends): a TokenRequest answered with a bearer
/// token for the ServiceAccount, bound to its uid and expiring after
/// `spec.expirationSeconds` (at least 600, one hour by default).
struct TokenRequestHandler: Sendable {
    let store: ObjectStore
    let tokens: ServiceAccountTokens
    /// Tokens already verified (their signature and claims), so a request
    /// pays a dictionary lookup instead of an HMAC; the account's uid and the
    /// expiry are still checked every time.
    private let verified = NIOLockedValueBox<[String: ServiceAccountTokens.Claims]>([:])

    init(store: ObjectStore, tokens: ServiceAccountTokens) {
        self.store = store
        self.tokens = tokens
    }

    func create(namespace: String, name: String, body: JSON) throws -> APIReply {
        guard let uid = store.serviceAccountUID(namespace: namespace, name: name) else {
            throw APIError(code: 404, reason: "NotFound", message: "serviceaccounts \"\(name)\" not found",
                           details: ["name": .string(name), "kind": "serviceaccounts"])
        }
        let seconds = body["spec"]?["expirationSeconds"]?.int ?? 3600
        guard seconds >= 600 else {
            throw APIError(code: 422, reason: "Invalid",
                           message: "TokenRequest.authentication.k8s.io \"\(name)\" is invalid: spec.expirationSeconds: Invalid value: \(seconds): may not specify a duration less than 10 minutes",
                           details: ["name": .string(name), "group": "authentication.k8s.io", "kind": "TokenRequest",
                                     "causes": [["reason": "FieldValueInvalid", "field": "spec.expirationSeconds",
                                                 "message": .string("Invalid value: \(seconds): may not specify a duration less than 10 minutes")]]])
        }
        let expires = Int64(Date().timeIntervalSince1970) + seconds
        let token = tokens.mint(.init(namespace: namespace, name: name, uid: uid, expires: expires))
        var spec = body["spec"] ?? [:]
        spec["expirationSeconds"] = .int(seconds)
        if spec["audiences"] == nil { spec["audiences"] = ["https://kubernetes.default.svc.cluster.local"] }
        let f = ISO8601DateFormatter()
        return .json(201, ["kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                           "metadata": ["name": .string(name), "namespace": .string(namespace),
                                        "creationTimestamp": .string(ObjectMeta.now())],
                           "spec": spec,
                           "status": ["token": .string(token),
                                      "expirationTimestamp": .string(f.string(from: Date(timeIntervalSince1970: TimeInterval(expires))))]])
    }

    /// The ServiceAccount user of a token, if it is valid and its account still exists with the same uid.
    func authenticate(_ token: String) -> UserInfo? {
        let claims = verified.withLockedValue { $0[token] } ?? tokens.verify(token).map { c in
            verified.withLockedValue { cache in
                if cache.count >= 10_000 { cache.removeAll() }
                cache[token] = c
            }
            return c
        }
        guard let c = claims, c.expires > Int64(Date().timeIntervalSince1970),
            store.serviceAccountUID(namespace: c.namespace, name: c.name) == c.uid
        else { return nil }
        return .serviceAccount(namespace: c.namespace, name: c.name)
    }
}
