import Foundation
import NIOConcurrencyHelpers

/// Every distinct (user, verb, group, resource, granting rule) kubesim
/// authorized, for the least-privilege check: which generated rules the
/// system's code paths actually use. Kept in memory (`GET
/// /kubesim/authorizations`) and, when a path is given, appended to a file
/// once per tuple so many kubesim processes of one test run add up.
final class AuthorizationLog: Sendable {
    private struct Entry: Hashable {
        var attributes: RequestAttributes
        var grant: RBACPolicy.Grant?
    }
    private let seen = NIOLockedValueBox<Set<Entry>>([])
    private let path: String?

    init(path: String?) { self.path = path }

    /// `grant` nil records a denial (its rule column reads DENIED).
    func record(_ a: RequestAttributes, _ g: RBACPolicy.Grant?) {
        var key = a
        key.name = ""
        key.namespace = ""
        let isNew = seen.withLockedValue { $0.insert(Entry(attributes: key, grant: g)).inserted }
        guard isNew, let path else { return }
        // One write(2) with O_APPEND per line: lines from many processes do not interleave.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array((Self.line(key, g) + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    static func line(_ a: RequestAttributes, _ g: RBACPolicy.Grant?) -> String {
        let rule = g.map { "\($0.role)#\($0.rule)" } ?? "DENIED"
        return [a.user.name, a.verb, a.apiGroup, a.fullResource, rule].joined(separator: "\t")
    }

    var entries: [String] { seen.withLockedValue { $0.map { Self.line($0.attributes, $0.grant) } }.sorted() }
}
