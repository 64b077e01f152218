import Foundation

/// RFC 3339 times as Sigstore writes them (`2021-01-12T11:53:27Z`, with or
/// without fractional seconds).
enum RFC3339Date {
    static func parse(_ s: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let d = plain.date(from: s) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: s)
    }
}
