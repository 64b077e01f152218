/// What signature verification said of the image a program was loaded
/// from: kept in the program record, shown by `bpfman get` and `list -o
/// json`, and (as a warning) in the agent's condition message.
public struct ImageSignature: Codable, Equatable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        /// A signature the policy trusts names the image's digest.
        case verified
        /// Mode warn: no trusted signature, loaded anyway; `detail` says why.
        case warning
        /// Mode off: no signature was looked for.
        case notChecked = "not-checked"
    }

    public var verdict: Verdict
    /// Who signed, for a verified image: `key <file>` or `<subject> (issuer <issuer>)`.
    public var signer: String?
    /// Why the verdict is a warning.
    public var detail: String?
    /// The manifest digest the verdict is about.
    public var digest: String

    public init(verdict: Verdict, signer: String? = nil, detail: String? = nil, digest: String) {
        self.verdict = verdict; self.signer = signer; self.detail = detail; self.digest = digest
    }

    /// One line for tables and condition messages.
    public var summary: String {
        switch verdict {
        case .verified: "verified, signed by \(signer ?? "?")"
        case .warning: "warning: \(detail ?? "not verified")"
        case .notChecked: "not checked (signing mode off)"
        }
    }
}
