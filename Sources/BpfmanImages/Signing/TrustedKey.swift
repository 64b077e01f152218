import Crypto
import Foundation
import X509

/// A public key whose signatures the policy trusts (ECDSA P-256/P-384 or
/// Ed25519, from a PEM file as `cosign generate-key-pair` writes it).
public struct TrustedKey: Sendable {
    /// Where it came from, named in verdicts: the file path.
    public var source: String
    public var key: Certificate.PublicKey

    public init(pem: String, source: String) throws {
        do { key = try Certificate.PublicKey(pemEncoded: pem) } catch {
            throw SigningError.badConfiguration("key \(source) is not a PEM public key (ECDSA P-256/P-384 or Ed25519): \(error)")
        }
        self.source = source
    }

    public static func load(path: String) throws -> TrustedKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SigningError.badConfiguration("key \(path) cannot be read")
        }
        return try TrustedKey(pem: String(decoding: data, as: UTF8.self), source: path)
    }

    /// Whether `signature` (DER for ECDSA, raw for Ed25519) signs `message`.
    public func verifies(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        Self.verifies(key, signature, message)
    }

    /// The algorithm cosign uses for a key of this type: ECDSA over SHA-256
    /// (P-256) or SHA-384 (P-384), Ed25519 over the message itself; nil for
    /// other keys. Signing (`ImageSigner`) and verifying both ask here.
    static func algorithm(for key: Certificate.PublicKey) -> Certificate.SignatureAlgorithm? {
        if P256.Signing.PublicKey(key) != nil { return .ecdsaWithSHA256 }
        if P384.Signing.PublicKey(key) != nil { return .ecdsaWithSHA384 }
        if Curve25519.Signing.PublicKey(key) != nil { return .ed25519 }
        return nil
    }

    static func verifies(_ key: Certificate.PublicKey, _ signature: [UInt8], _ message: [UInt8]) -> Bool {
        guard let algorithm = algorithm(for: key) else { return false }
        return key.isValidSignature(signature, for: message, signatureAlgorithm: algorithm)
    }
}
