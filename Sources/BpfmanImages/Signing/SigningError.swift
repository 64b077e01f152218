import Bpfman

/// A signature check that refused an image or a signing set-up that cannot
/// be used; each says which image, which signature and why.
public enum SigningError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file named in `[signing]` (key, trusted root) or an entry that cannot be used.
    case badConfiguration(String)
    /// Mode enforce and no signature manifest at `sha256-<digest>.sig`.
    case unsigned(image: String, digest: String)
    /// Signatures were found, none is trusted: one reason per signature.
    case untrusted(image: String, digest: String, reasons: [String])
    /// The signature manifest itself could not be read.
    case malformed(image: String, signature: String, String)
    /// The registry could not be asked for the signature.
    case lookupFailed(image: String, String)
    /// The check took longer than `timeout_seconds`.
    case timedOut(image: String, seconds: Int)

    public var description: String {
        switch self {
        case .badConfiguration(let why): "signing configuration: \(why)"
        case .unsigned(let image, let digest):
            "image \(image) (\(digest)) is unsigned: no signature manifest \(SignatureLocation.tag(for: digest)) in its repository, and the signing mode is enforce"
        case .untrusted(let image, let digest, let reasons):
            "image \(image) (\(digest)) has no signature the policy trusts: " + reasons.joined(separator: "; ")
        case .malformed(let image, let signature, let why): "the signature \(signature) of image \(image) is malformed: \(why)"
        case .lookupFailed(let image, let why): "the signature of image \(image) could not be looked up: \(why)"
        case .timedOut(let image, let seconds): "the signature check of image \(image) did not finish within \(seconds) s (signing timeout_seconds)"
        }
    }

    public var bpfmanError: BpfmanError {
        switch self {
        case .badConfiguration: BpfmanError(.invalidArgument, description)
        case .lookupFailed, .timedOut: BpfmanError(.unavailable, description)
        case .unsigned, .untrusted, .malformed: BpfmanError(.permissionDenied, description)
        }
    }
}
