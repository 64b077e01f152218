import Bpfman

/// What can go wrong with an image, each case saying what and where.
public enum ImageError: Error, CustomStringConvertible, Sendable {
    case invalidReference(String, String)
    case notFound(ImageReference, String)
    case unauthorized(String, Int, String)
    case unreachable(String, String)
    case registry(String, Int, String)
    case malformedManifest(ImageReference, String)
    case digestMismatch(String, expected: String, got: String)
    case notBytecode(ImageReference, String)
    case tooLarge(String, String, limit: Int)
    case notCached(ImageReference)
    case functionNotInImage(String, ImageReference, [String])
    case cacheCorrupt(String)
    /// A cached image pulled with credentials, asked for with none or with ones the registry refuses (its status).
    case privateImage(ImageReference, presented: Bool, Int)
    /// A cached image pulled with credentials whose check with the registry could not be made.
    case accessUnverified(ImageReference, String)

    public var description: String {
        switch self {
        case .invalidReference(let r, let why): "invalid image reference \"\(r)\": \(why)"
        case .notFound(let r, let what): "image \(r) not found: \(what)"
        case .unauthorized(let registry, let status, let detail):
            "registry \(registry) refused the credentials (HTTP \(status))\(detail.isEmpty ? "" : ": \(detail)"); give --registry-auth (base64 of user:password)"
        case .unreachable(let registry, let why): "cannot reach registry \(registry): \(why)"
        case .registry(let url, let status, let body): "registry answered HTTP \(status) for \(url)\(body.isEmpty ? "" : ": \(body)")"
        case .malformedManifest(let r, let why): "image \(r) has a malformed manifest: \(why)"
        case .digestMismatch(let what, let expected, let got): "\(what) does not match its digest: expected \(expected), got \(got); not used"
        case .notBytecode(let r, let why): "image \(r) is not a bpfman bytecode image: \(why)"
        case .tooLarge(let r, let what, let limit): "image \(r): \(what) is larger than the \(limit)-byte limit"
        case .notCached(let r): "image \(r) is not in the local cache and the pull policy is Never"
        case .functionNotInImage(let name, let r, let names):
            "program \(name) not found in bytecode image \(r); it has: \(names.isEmpty ? "none" : names.joined(separator: ", "))"
        case .cacheCorrupt(let why): "the image cache is corrupt: \(why); pull again with policy Always"
        case .privateImage(let r, let presented, let status):
            "image \(r) is in the local cache, but it was pulled with credentials and the registry "
                + (presented ? "does not accept these credentials for it" : "does not serve it without them")
                + " (HTTP \(status)); give credentials that can pull it (--registry-auth, or the program's imagePullSecret)"
        case .accessUnverified(let r, let why):
            "image \(r) is in the local cache, but it was pulled with credentials and this request's cannot be checked with the registry (\(why)); it is not handed out unchecked"
        }
    }

    /// The core's error form, for the CLI and the gRPC status codes.
    public var bpfmanError: BpfmanError {
        let kind: BpfmanError.Kind = switch self {
        case .invalidReference, .malformedManifest, .notBytecode, .tooLarge: .invalidArgument
        case .notFound, .notCached, .functionNotInImage: .notFound
        case .unauthorized, .privateImage: .permissionDenied
        case .unreachable, .accessUnverified: .unavailable
        case .registry: .failedPrecondition
        case .digestMismatch, .cacheCorrupt: .dataLoss
        }
        return BpfmanError(kind, description)
    }
}
