import Foundation
import X509

/// `bpfman image sign`: signs an image's manifest digest with a private key
/// and pushes the signature as cosign does (a simple-signing payload layer
/// with the signature in its annotation, in the `sha256-<hex>.sig`
/// manifest beside the image), keeping signatures already there.
public enum ImageSigner {
    /// What was signed and where the signature went.
    public struct Signed: Sendable, Equatable {
        public var digest: String
        public var signatureReference: String
    }

    /// Reads an unencrypted PKCS#8 or SEC1 PEM private key (ECDSA P-256/P-384, Ed25519).
    public static func privateKey(pem: String, source: String) throws -> Certificate.PrivateKey {
        do { return try Certificate.PrivateKey(pemEncoded: pem) } catch {
            throw SigningError.badConfiguration("key \(source) is not an unencrypted PEM private key (ECDSA P-256/P-384 or Ed25519): \(error)")
        }
    }

    /// The payload for `digest` of `ref` and its signature (DER for ECDSA).
    public static func signature(for ref: ImageReference, digest: String, key: Certificate.PrivateKey) throws -> (payload: [UInt8], signature: [UInt8]) {
        let payload = SimpleSigningPayload(dockerReference: "\(ref.registry)/\(ref.repository)", manifestDigest: digest).bytes
        return (payload, try key.sign(bytes: payload, signatureAlgorithm: TrustedKey.algorithm(for: key.publicKey) ?? .ecdsaWithSHA256).rawRepresentation)
    }

    public static func sign(_ ref: ImageReference, key: Certificate.PrivateKey, settings: RegistrySettings,
                            auth: RegistryAuth?) async throws -> Signed {
        try await RegistryClient.with(settings: settings, auth: auth) { try await sign(ref, key: key, client: $0) }
    }

    private static func sign(_ ref: ImageReference, key: Certificate.PrivateKey, client: RegistryClient) async throws -> Signed {
        var digest = ref.digest ?? ""
        if ref.digest == nil { digest = try await client.manifest(ref).digest }
        let (payload, signature) = try signature(for: ref, digest: digest, key: key)
        let sigRef = SignatureLocation.reference(of: ref, digest: digest)
        var layers: [Descriptor] = []
        if let existing = try? await client.manifest(sigRef),
           let manifest = try? JSONDecoder().decode(ImageManifest.self, from: Data(existing.body)) {
            layers = manifest.layers
        }
        var layer = try await client.push(blob: payload, to: sigRef)
        layer.mediaType = SignatureLocation.payloadMediaType
        layer.annotations = [SignatureLocation.signatureAnnotation: Data(signature).base64EncodedString()]
        layers.append(layer)
        let config = Array(try JSONSerialization.data(withJSONObject: [
            "architecture": "", "os": "", "config": [String: String](),
            "rootfs": ["type": "layers", "diff_ids": layers.map(\.digest)],
        ], options: [.sortedKeys]))
        var configDescriptor = try await client.push(blob: config, to: sigRef)
        configDescriptor.mediaType = MediaType.ociConfig
        let manifest = ImageManifest(schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try await client.push(manifest: Array(try encoder.encode(manifest)), mediaType: MediaType.ociManifest, to: sigRef)
        return Signed(digest: digest, signatureReference: "\(sigRef)")
    }
}
