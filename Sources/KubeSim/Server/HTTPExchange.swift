import Foundation

/// A request as the API layer sees it.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The authenticated user, or nil (anonymous, where that is allowed).
    public var user: UserInfo?
    /// What the request asks to do, once routed (for authorization and admission).
    var attributes: RequestAttributes?

    public init(method: String, uri: String, headers: [(String, String)], body: [UInt8], user: UserInfo?) {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = String(parts.first ?? "").removingPercentEncoding ?? String(parts.first ?? "")
        var q: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let k = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[0])
                let v = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
                if q[k] == nil { q[k] = v }
            }
        }
        self.query = q
        self.headers = headers
        self.body = body
        self.user = user
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var isWatch: Bool { flag("watch") || path.contains("/watch/") }
}

/// What the API layer answers: a whole body, or a stream of watch events.
public enum APIReply: Sendable {
    case full(status: Int, headers: [(String, String)], body: [UInt8])
    case watch(WatchStream)

    static func json(_ status: Int, _ j: JSON, headers: [(String, String)] = []) -> APIReply {
        .full(status: status, headers: [("Content-Type", "application/json")] + headers, body: j.serialized())
    }

    static func error(_ e: APIError) -> APIReply {
        var h: [(String, String)] = []
        if let r = e.retryAfterSeconds { h.append(("Retry-After", String(r))) }
        return json(e.code, e.status, headers: h)
    }
}

/// An open watch: its events, how each is rendered, and when it ends.
public struct WatchStream: Sendable {
    var events: AsyncStream<WatchEvent>
    var timeout: Duration?
    var bookmarkInterval: Duration?
    var bookmark: @Sendable () -> Void
    var render: @Sendable (WatchEvent) -> [UInt8]
    var stop: @Sendable () -> Void
}
