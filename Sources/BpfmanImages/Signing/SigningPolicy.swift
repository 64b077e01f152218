import Bpfman
import Foundation
import Glibc

/// `[signing]` compiled: the mode and trust for each image, with keys and
/// the trust root read and every pattern checked once, at start-up. An
/// entry that cannot be used is an error naming the file and the entry.
public struct SigningPolicy: Sendable {
    /// What applies to the images an entry's pattern matches.
    public struct Rule: Sendable {
        public var images: String
        public var mode: SigningMode
        public var keys: [TrustedKey]
        /// nil: no keyless signature is trusted (not "anyone", as upstream).
        public var identities: IdentityRule?
        /// Where it is written, for messages ("bpfman.toml line 12").
        public var origin: String

        public init(images: String, mode: SigningMode, keys: [TrustedKey], identities: IdentityRule?, origin: String) {
            self.images = images; self.mode = mode; self.keys = keys; self.identities = identities; self.origin = origin
        }

        /// What the verdict cache keys on besides the digest.
        var fingerprint: String {
            let parts = [mode.rawValue, images] + keys.map { Digest.sha256(Array($0.key.subjectPublicKeyInfoBytes)) }
                + (identities.map { ["s"] + $0.subjects.map(\.description) + ["i"] + $0.issuers.map(\.description) } ?? [])
            return parts.joined(separator: "\u{1}")
        }
    }

    public var defaultMode: SigningMode
    public var rules: [Rule]
    public var trustedRoot: TrustedRoot?
    public var timeoutSeconds: Int

    public init(defaultMode: SigningMode, rules: [Rule] = [], trustedRoot: TrustedRoot? = nil, timeoutSeconds: Int = 30) {
        self.defaultMode = defaultMode; self.rules = rules; self.trustedRoot = trustedRoot; self.timeoutSeconds = timeoutSeconds
    }

    /// No signature looked for, for any image.
    public static let off = SigningPolicy(defaultMode: .off)

    /// The rule for `ref` (matched on `registry/repository`), or the default mode with no trust.
    public func rule(for ref: ImageReference) -> Rule {
        let name = "\(ref.registry)/\(ref.repository)"
        if let r = rules.first(where: { fnmatch($0.images, name, 0) == 0 }) { return r }
        return Rule(images: "*", mode: defaultMode, keys: [], identities: nil, origin: "the [signing] default")
    }

    /// The cache key of a verified verdict for `digest` under `rule`.
    func cacheKey(_ rule: Rule, digest: String) -> String {
        Digest.sha256(Array((rule.fingerprint + "\u{2}" + (trustedRoot?.fingerprint ?? "") + "\u{2}" + digest).utf8))
    }

    /// Compiles the settings; `file` names bpfman.toml in messages.
    public static func compile(_ s: SigningSettings, file: String = BpfmanConfig.defaultPath) throws -> SigningPolicy {
        func mode(_ text: String, _ place: String) throws -> SigningMode {
            guard let m = SigningMode(rawValue: text) else {
                throw SigningError.badConfiguration("\(place): mode \"\(text)\" is not one of off, warn, enforce")
            }
            return m
        }
        let base = try mode(s.effectiveMode, "\(file) [signing]")
        guard s.timeoutSeconds > 0 else { throw SigningError.badConfiguration("\(file) [signing]: timeout_seconds must be positive") }
        let rules = try s.policies.map { e -> Rule in
            let place = "\(file) line \(e.line) ([[signing.policy]] images = \"\(e.images)\")"
            let subjects = e.subjects.map(IdentityRule.Pattern.exact)
                + (try e.subjectRegexps.map { try IdentityRule.Pattern.regexp($0, where: place) })
            let issuers = e.issuers.map(IdentityRule.Pattern.exact)
                + (try e.issuerRegexps.map { try IdentityRule.Pattern.regexp($0, where: place) })
            if subjects.isEmpty && !issuers.isEmpty {
                throw SigningError.badConfiguration("\(place): issuers without subjects would trust anyone from them; name the subjects")
            }
            return Rule(images: e.images, mode: try e.mode.map { try mode($0, place) } ?? base,
                        keys: try e.keys.map { try TrustedKey.load(path: $0) },
                        identities: subjects.isEmpty ? nil : IdentityRule(subjects: subjects, issuers: issuers),
                        origin: place)
        }
        let needsRoot = s.trustedRoot != nil || rules.contains { $0.identities != nil }
        return SigningPolicy(defaultMode: base, rules: rules,
                             trustedRoot: needsRoot ? try TrustedRoot.load(path: s.trustedRoot) : nil,
                             timeoutSeconds: s.timeoutSeconds)
    }
}
