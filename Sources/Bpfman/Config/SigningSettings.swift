/// The `[signing]` part of bpfman.toml as written, before files are read:
/// `BpfmanImages.SigningPolicy` compiles it (keys, trust root, patterns)
/// and says which file or entry is wrong.
public struct SigningSettings: Sendable, Equatable {
    /// Upstream's two switches; `mode` wins when given.
    public var verifyEnabled = true
    public var allowUnsigned = true
    /// `off`, `warn` or `enforce`, as written.
    public var mode: String?
    /// A Sigstore `trusted_root.json`; nil means the public-good root built in.
    public var trustedRoot: String?
    /// The longest one image's signature check may take.
    public var timeoutSeconds = 30
    /// Per image: the first entry whose pattern matches the image decides.
    public var policies: [Entry] = []

    /// One `[[signing.policy]]` table.
    public struct Entry: Sendable, Equatable {
        /// A glob over `registry/repository` (`*` crosses `/`); default every image.
        public var images = "*"
        public var mode: String?
        /// PEM public keys (ECDSA P-256, Ed25519) whose signatures are trusted.
        public var keys: [String] = []
        /// Keyless identities: exact SAN values, or regular expressions.
        public var subjects: [String] = []
        public var subjectRegexps: [String] = []
        /// OIDC issuers a keyless identity must come from (exact or regexp); none means any.
        public var issuers: [String] = []
        public var issuerRegexps: [String] = []
        /// Line in bpfman.toml, for error messages.
        public var line = 0

        public init(images: String = "*") { self.images = images }
    }

    public init() {}

    /// Upstream's switches as a mode: verify off → off; unsigned allowed → warn; else enforce.
    public var effectiveMode: String {
        if let mode { return mode }
        return !verifyEnabled ? "off" : allowUnsigned ? "warn" : "enforce"
    }
}
