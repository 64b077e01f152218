/// An image reference with Docker's defaults filled in:
/// `busybox` → `docker.io/library/busybox:latest`.
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// Registry host, with port if any (`quay.io`, `127.0.0.1:5000`).
    public var registry: String
    public var repository: String
    public var tag: String?
    /// `sha256:<hex>` when pulled by digest.
    public var digest: String?

    /// The tag or digest to ask the registry for.
    public var reference: String { digest ?? tag ?? "latest" }

    public var description: String {
        "\(registry)/\(repository)" + (digest.map { "@\($0)" } ?? ":\(tag ?? "latest")")
    }

    /// The host the API lives on (Docker Hub's API is not docker.io).
    public var apiHost: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    public init(parsing text: String) throws {
        let bad = { (why: String) in ImageError.invalidReference(text, why) }
        guard !text.isEmpty, !text.contains(" "), !text.contains("://") else {
            throw bad("write it as [registry/]repository[:tag|@sha256:digest]")
        }
        var rest = Substring(text)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let d = String(rest[rest.index(after: at)...])
            guard d.hasPrefix("sha256:"), d.count == 71, d.dropFirst(7).allSatisfy(\.isHexDigit) else {
                throw bad("the digest must be sha256:<64 hex digits>")
            }
            digest = d
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard let t = tag, !t.isEmpty, t.count <= 128,
                  t.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }) else {
                throw bad("the tag is not valid")
            }
        }
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { throw bad("a path component is empty") }
        let first = parts[0]
        if parts.count > 1, first.contains(".") || first.contains(":") || first == "localhost" {
            registry = first
            parts.removeFirst()
        } else {
            registry = "docker.io"
            if parts.count == 1 { parts.insert("library", at: 0) }
        }
        repository = parts.joined(separator: "/")
        guard repository.allSatisfy({ $0.isLowercase || $0.isNumber || "._-/".contains($0) }) else {
            throw bad("repository names are lower-case letters, digits and . _ - /")
        }
        self.tag = digest == nil ? (tag ?? "latest") : tag
        self.digest = digest
    }
}
