/// Who may use an image from the cache without pulling it again. An image
/// the registry served without asking for credentials (or one built on this
/// node) is anyone's; one it served only after a challenge is handed out
/// only to requests whose credentials the registry has accepted for it,
/// remembered as salted hashes (`ImageCache.credentialKey`), never the
/// secret. The bytecode analog of Kubernetes' pull-secret verification for
/// cached images.
public struct ImageAccess: Codable, Sendable, Equatable {
    /// The registry served it without credentials, or it was built here.
    public var anonymous: Bool
    /// Keys of the credentials the registry accepted for it.
    public var credentials: [String]

    /// How many keys are kept; the oldest go first. A key that goes only costs a registry check.
    static let keptKeys = 32

    public init(anonymous: Bool = false, credentials: [String] = []) {
        self.anonymous = anonymous
        self.credentials = credentials
    }

    /// An entry cached before access was recorded: anyone asks the registry once.
    public static let unknown = ImageAccess()
    /// Built on this node: anyone here may load it.
    public static let local = ImageAccess(anonymous: true)

    /// What a request presenting `key` (nil: no credentials) needs.
    public enum Decision: Equatable, Sendable {
        /// Use the cached copy.
        case allowed
        /// Ask the registry (a manifest HEAD) whether it serves the image to these credentials.
        case askRegistry
    }

    public func decide(_ key: String?) -> Decision {
        if anonymous { return .allowed }
        if let key, credentials.contains(key) { return .allowed }
        return .askRegistry
    }

    /// The registry served the image to a request presenting `key`; it
    /// demanded credentials when `challenged`. Unchallenged, it is anyone's.
    public func granted(_ key: String?, challenged: Bool) -> ImageAccess {
        var a = self
        guard let key, challenged else {
            a.anonymous = true
            return a
        }
        a.credentials.removeAll { $0 == key }
        a.credentials.append(key)
        a.credentials = Array(a.credentials.suffix(Self.keptKeys))
        return a
    }
}
