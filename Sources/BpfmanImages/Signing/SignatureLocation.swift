/// Where cosign keeps an image's signatures: a manifest tagged
/// `sha256-<hex>.sig` in the image's own repository, one layer per
/// signature, so it is read with the image's own credentials.
public enum SignatureLocation {
    public static func tag(for digest: String) -> String {
        digest.replacingOccurrences(of: ":", with: "-") + ".sig"
    }

    /// The reference of `image`'s signature manifest.
    public static func reference(of image: ImageReference, digest: String) -> ImageReference {
        var r = image
        r.digest = nil
        r.tag = tag(for: digest)
        return r
    }

    /// Layer media type of a simple-signing payload.
    public static let payloadMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
    /// Layer annotations cosign writes.
    public static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    public static let certificateAnnotation = "dev.sigstore.cosign/certificate"
    public static let chainAnnotation = "dev.sigstore.cosign/chain"
    public static let bundleAnnotation = "dev.sigstore.cosign/bundle"
}
