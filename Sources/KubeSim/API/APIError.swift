/// A failed API call, rendered to the client as a Kubernetes `Status` object.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSON?
    public var retryAfterSeconds: Int?

    public init(code: Int, reason: String, message: String, details: JSON? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` body the API server sends for this error.
    public var status: JSON {
        var s: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        var d = details ?? .object([:])
        if let retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(retryAfterSeconds)) }
        if d != .object([:]) { s["details"] = d }
        return s
    }

    static func qualified(_ t: ResourceType) -> String { t.group.isEmpty ? t.plural : "\(t.plural).\(t.group)" }

    static func detailsFor(_ t: ResourceType, _ name: String) -> JSON {
        ["name": .string(name), "group": .string(t.group), "kind": .string(t.plural)]
    }

    public static func notFound(_ t: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(qualified(t)) \"\(name)\" not found",
                 details: detailsFor(t, name))
    }

    public static func alreadyExists(_ t: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(qualified(t)) \"\(name)\" already exists",
                 details: detailsFor(t, name))
    }

    public static func conflict(_ t: ResourceType, _ name: String, _ why: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(qualified(t)) \"\(name)\": \(why)",
                 details: detailsFor(t, name))
    }

    /// One invalid field, as `Status.details.causes` lists it.
    public struct Cause: Sendable {
        public var field: String
        public var reason: String
        public var message: String
        public init(field: String, reason: String, message: String) {
            self.field = field
            self.reason = reason
            self.message = message
        }
    }

    public static func invalid(_ t: ResourceType, _ name: String, _ causes: [Cause]) -> APIError {
        var d = detailsFor(t, name)
        d["kind"] = .string(t.kind)
        d["causes"] = .array(causes.map {
            ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]
        })
        let list = causes.map { "\($0.field): \($0.message)" }
        let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        let kindGroup = t.group.isEmpty ? t.kind : "\(t.kind).\(t.group)"
        return APIError(code: 422, reason: "Invalid", message: "\(kindGroup) \"\(name)\" is invalid: \(joined)",
                        details: d)
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    public static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    public static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    /// The real server's answer to a request body over its limit (3 MiB).
    public static func requestEntityTooLarge(limit: Int) -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: limit is \(limit)")
    }

    /// A request line and headers over the server's limit (Go's net/http
    /// answers 431 with no Status body; ours carries one).
    public static func headersTooLarge(limit: Int) -> APIError {
        APIError(code: 431, reason: "RequestHeaderFieldsTooLarge",
                 message: "Request header fields too large: the request line and headers are limited to \(limit) bytes")
    }

    /// A watch or read from a resourceVersion the store has not reached
    /// (after the real server's wait for it): 504 with a ResourceVersionTooLarge cause.
    public static func tooLargeResourceVersion(_ requested: Int64, current: Int64) -> APIError {
        APIError(code: 504, reason: "Timeout",
                 message: "Timeout: Too large resource version: \(requested), current: \(current)",
                 details: ["causes": [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]]],
                 retryAfterSeconds: 1)
    }

    public static func pathNotFound(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }
}
