import NIOConcurrencyHelpers

/// API requests served, by method (watches apart), for `/kubesim/state`:
/// how benchmarks count requests per converged object.
final class RequestCounter: Sendable {
    private let counts = NIOLockedValueBox<[String: Int64]>([:])

    func count(method: String, isWatch: Bool) {
        counts.withLockedValue { $0[isWatch ? "WATCH" : method, default: 0] += 1 }
    }

    var snapshot: [String: Int64] { counts.withLockedValue { $0 } }
}
