import Foundation

/// An error from the API server, decoded from its `Status` body, or a
/// transport failure. Callers switch on `reason`.
public struct KubeError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case notFound, alreadyExists, conflict, invalid, forbidden, unauthorized, tooManyRequests
        case gone, badRequest, methodNotAllowed, unsupportedMediaType, serverError, timeout
        /// The connection or TLS failed before an answer arrived.
        case transport
        case other(Int)
    }

    /// One field named by a 422 `Invalid` answer.
    public struct Cause: Sendable, Equatable {
        public var field: String
        public var reason: String
        public var message: String
    }

    public var reason: Reason
    public var code: Int
    public var message: String
    public var causes: [Cause] = []
    public var retryAfter: Duration?

    public var description: String { code > 0 ? "\(code) \(message)" : message }

    public var isNotFound: Bool { reason == .notFound }
    public var isConflict: Bool { reason == .conflict }
    public var isAlreadyExists: Bool { reason == .alreadyExists }
    /// The server has not reached the resourceVersion asked for (its data was
    /// reset, say): a list-watch must relist rather than retry the same one.
    public var isResourceVersionTooLarge: Bool { causes.contains { $0.reason == "ResourceVersionTooLarge" } }

    /// Decodes a non-2xx answer.
    static func from(status: Int, body: [UInt8], retryAfterHeader: String?) -> KubeError {
        struct StatusBody: Decodable {
            struct Details: Decodable {
                struct C: Decodable { var field: String?; var reason: String?; var message: String? }
                var causes: [C]?
                var retryAfterSeconds: Int?
            }
            var message: String?
            var reason: String?
            var details: Details?
        }
        let s = try? JSONDecoder().decode(StatusBody.self, from: Data(body))
        let text = s?.message ?? String(decoding: body.prefix(300), as: UTF8.self)
        var e = KubeError(reason: reason(for: status, s?.reason), code: status,
                          message: text.isEmpty ? "HTTP \(status)" : text)
        e.causes = s?.details?.causes?.map { Cause(field: $0.field ?? "", reason: $0.reason ?? "", message: $0.message ?? "") } ?? []
        if let h = retryAfterHeader, let secs = Int(h) {
            e.retryAfter = .seconds(secs)
        } else if let secs = s?.details?.retryAfterSeconds {
            e.retryAfter = .seconds(secs)
        }
        return e
    }

    static func reason(for status: Int, _ r: String?) -> Reason {
        switch (status, r) {
        case (404, _): return .notFound
        case (409, "AlreadyExists"): return .alreadyExists
        case (409, _): return .conflict
        case (422, _): return .invalid
        case (403, _): return .forbidden
        case (401, _): return .unauthorized
        case (429, _): return .tooManyRequests
        case (410, _): return .gone
        case (400, _): return .badRequest
        case (405, _): return .methodNotAllowed
        case (415, _): return .unsupportedMediaType
        case (504, _): return .timeout
        case (500...599, _): return .serverError
        default: return .other(status)
        }
    }

    static func transport(_ what: String) -> KubeError {
        KubeError(reason: .transport, code: 0, message: what)
    }
}
