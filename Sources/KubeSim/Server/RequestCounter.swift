import NIOConcurrencyHelpers

/// API requests served, for `/kubesim/state`: by method (watches apart), and
/// the writes by method and resource ("PATCH tracepointprograms/status"), which
/// is how benchmarks count requests and writes per converged object.
final class RequestCounter: Sendable {
    private let counts = NIOLockedValueBox<Counts>(Counts())

    struct Counts {
        var byMethod: [String: Int64] = [:]
        var writes: [String: Int64] = [:]
    }

    func count(method: String, path: String, isWatch: Bool) {
        let write = !isWatch && method != "GET" && method != "HEAD" && method != "OPTIONS"
        let key = write ? "\(method) \(Self.resource(path))" : nil
        counts.withLockedValue {
            $0.byMethod[isWatch ? "WATCH" : method, default: 0] += 1
            if let key { $0.writes[key, default: 0] += 1 }
        }
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }

    /// "events", "tracepointprograms/status", … of an API path: the segment
    /// after the group version (and a namespace), with the subresource if any.
    static func resource(_ path: String) -> String {
        var seg = path.split(separator: "/").map(String.init)
        guard let first = seg.first else { return path }
        seg.removeFirst(first == "api" ? 2 : first == "apis" ? 3 : seg.count)
        if seg.first == "namespaces", seg.count > 2 { seg.removeFirst(2) }
        guard let resource = seg.first else { return path }
        return seg.count > 2 ? "\(resource)/\(seg[2])" : resource
    }
}
