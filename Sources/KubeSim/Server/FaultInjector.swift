import NIOConcurrencyHelpers

/// Faults for client tests: matching requests get an error status (429 with
/// Retry-After, 500, 409, ...) or a delay, a set number of times.
public final class FaultInjector: Sendable {
    /// One rule. Empty match fields match everything.
    public struct Rule: Sendable {
        public var method: String?
        public var pathContains: String?
        /// Only watch requests (true), only non-watch (false), or both (nil).
        public var watch: Bool?
        public var status: Int?
        public var retryAfterSeconds: Int?
        public var delayMilliseconds: Int?
        /// How many requests it hits; nil for every one.
        public var count: Int?

        public init(method: String? = nil, pathContains: String? = nil, watch: Bool? = nil, status: Int? = nil,
                    retryAfterSeconds: Int? = nil, delayMilliseconds: Int? = nil, count: Int? = nil)
        {
            self.method = method
            self.pathContains = pathContains
            self.watch = watch
            self.status = status
            self.retryAfterSeconds = retryAfterSeconds
            self.delayMilliseconds = delayMilliseconds
            self.count = count
        }

        init(json j: JSON) {
            self.init(method: j["method"]?.string, pathContains: j["pathContains"]?.string, watch: j["watch"]?.bool,
                      status: j["status"]?.int.map(Int.init), retryAfterSeconds: j["retryAfterSeconds"]?.int.map(Int.init),
                      delayMilliseconds: j["delayMilliseconds"]?.int.map(Int.init), count: j["count"]?.int.map(Int.init))
        }
    }

    private let rules = NIOLockedValueBox<[Rule]>([])

    public init() {}

    public func add(_ rule: Rule) { rules.withLockedValue { $0.append(rule) } }
    public func clear() { rules.withLockedValue { $0.removeAll() } }

    /// The rule that applies to a request, consuming one of its uses.
    func match(method: String, path: String, isWatch: Bool) -> Rule? {
        rules.withLockedValue { rules in
            for i in rules.indices {
                let r = rules[i]
                if let m = r.method, m.uppercased() != method { continue }
                if let p = r.pathContains, !path.contains(p) { continue }
                if let w = r.watch, w != isWatch { continue }
                if let c = r.count {
                    if c <= 1 { rules.remove(at: i) } else { rules[i].count = c - 1 }
                }
                return r
            }
            return nil
        }
    }

    static func error(for r: Rule, status: Int) -> APIError {
        switch status {
        case 429:
            return APIError(code: 429, reason: "TooManyRequests", message: "kubesim: injected fault: too many requests, please try again later",
                            retryAfterSeconds: r.retryAfterSeconds ?? 1)
        case 409:
            return APIError(code: 409, reason: "Conflict", message: "kubesim: injected fault: the object has been modified; please apply your changes to the latest version and try again")
        case 503:
            return APIError(code: 503, reason: "ServiceUnavailable", message: "kubesim: injected fault: service unavailable",
                            retryAfterSeconds: r.retryAfterSeconds)
        case 500:
            return APIError(code: 500, reason: "InternalError", message: "kubesim: injected fault: internal error")
        default:
            return APIError(code: status, reason: "Unknown", message: "kubesim: injected fault \(status)")
        }
    }
}
