import BpfmanImages
import Crypto
import Foundation
import SwiftASN1
import X509

/// A Fulcio-like CA, a Rekor-like log and keyless signatures made in
/// memory with swift-certificates, for the verifier's pure tests (the
/// registry tests use an independent Python implementation instead).
struct KeylessFixture {
    let rootKey = P384.Signing.PrivateKey(), interKey = P384.Signing.PrivateKey()
    let logKey = P256.Signing.PrivateKey()
    let root: Certificate, inter: Certificate
    let now = Date()

    init() throws {
        root = try Self.ca("test root", key: rootKey, issuer: nil, issuerKey: rootKey, pathLength: 1)
        inter = try Self.ca("test intermediate", key: interKey, issuer: root, issuerKey: rootKey, pathLength: 0)
    }

    static func name(_ cn: String) throws -> DistinguishedName {
        try DistinguishedName { OrganizationName("bpfman-test"); CommonName(cn) }
    }

    static func ca(_ cn: String, key: P384.Signing.PrivateKey, issuer: Certificate?, issuerKey: P384.Signing.PrivateKey,
                   pathLength: Int) throws -> Certificate {
        let subject = try name(cn)
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-86400), notValidAfter: Date().addingTimeInterval(86400 * 365),
            issuer: issuer?.subject ?? subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(issuerKey))
    }

    static func der(_ c: Certificate) throws -> [UInt8] {
        var s = DER.Serializer()
        try s.serialize(c)
        return s.serializedBytes
    }

    /// The trust root naming this CA and log, as trusted_root.json.
    func trustedRootJSON(logStart: String = "2020-01-01T00:00:00Z") throws -> [UInt8] {
        let spki = Array(logKey.publicKey.derRepresentation)
        let doc: [String: Any] = [
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [["baseUrl": "https://log.test", "hashAlgorithm": "SHA2_256",
                       "publicKey": ["rawBytes": Data(spki).base64EncodedString(), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                     "validFor": ["start": logStart]],
                       "logId": ["keyId": Data(SHA256.hash(data: spki)).base64EncodedString()]]],
            "certificateAuthorities": [["certChain": ["certificates": [["rawBytes": Data(try Self.der(inter)).base64EncodedString()],
                                                                       ["rawBytes": Data(try Self.der(root)).base64EncodedString()]]],
                                        "validFor": ["start": "2020-01-01T00:00:00Z"]]],
        ]
        return Array(try JSONSerialization.data(withJSONObject: doc))
    }

    func trustedRoot() throws -> TrustedRoot { try TrustedRoot(json: try trustedRootJSON(), source: "fixture") }

    /// What to spoil in a signature.
    enum Fault { case none, otherRoot, expired, forgedSET, noBundle, otherLogPayload, codeSigningMissing }

    /// A keyless signature of `digest` by `subject` from `issuer`.
    func sign(digest: String, subject: String = "alice@example.com", issuer: String = "https://issuer.test",
              fault: Fault = .none) throws -> SignatureCandidate {
        let leafKey = P256.Signing.PrivateKey()
        let (caCert, caKey): (Certificate, P384.Signing.PrivateKey) = fault == .otherRoot
            ? try { let k = P384.Signing.PrivateKey(); return (try Self.ca("evil", key: k, issuer: nil, issuerKey: k, pathLength: 0), k) }()
            : (inter, interKey)
        let start = fault == .expired ? now.addingTimeInterval(-7200) : now.addingTimeInterval(-60)
        var issuerValue = DER.Serializer()
        try issuerValue.serialize(ASN1UTF8String(issuer))
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: start, notValidAfter: start.addingTimeInterval(600),
            issuer: caCert.subject, subject: DistinguishedName(), signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true))
                if fault != .codeSigningMissing { try ExtendedKeyUsage([.codeSigning]) }
                Critical(SubjectAlternativeNames([subject.contains("://") ? .uniformResourceIdentifier(subject) : .rfc822Name(subject)]))
                Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 57264, 1, 8], critical: false, value: issuerValue.serializedBytes[...])
            },
            issuerPrivateKey: .init(caKey))
        let payload = SimpleSigningPayload(dockerReference: "reg.test/app", manifestDigest: digest).bytes
        let signature = Array(try leafKey.signature(for: payload).derRepresentation)
        let pem = try leaf.serializeAsPEM().pemString
        let logged = fault == .otherLogPayload ? payload + [0x20] : payload
        let body: [String: Any] = ["apiVersion": "0.0.1", "kind": "hashedrekord", "spec": [
            "data": ["hash": ["algorithm": "sha256", "value": SHA256.hash(data: logged).map { String(format: "%02x", $0) }.joined()]],
            "signature": ["content": Data(signature).base64EncodedString(), "publicKey": ["content": Data(pem.utf8).base64EncodedString()]],
        ]]
        let spki = Array(logKey.publicKey.derRepresentation)
        var bundle = RekorBundle(signedEntryTimestamp: [], body: Data(try JSONSerialization.data(withJSONObject: body)).base64EncodedString(),
                                 integratedTime: Int64(now.timeIntervalSince1970), logIndex: 3,
                                 logID: SHA256.hash(data: spki).map { String(format: "%02x", $0) }.joined())
        let setKey = fault == .forgedSET ? P256.Signing.PrivateKey() : logKey
        bundle.signedEntryTimestamp = Array(try setKey.signature(for: bundle.signedBytes).derRepresentation)
        let bundleJSON = String(decoding: try JSONSerialization.data(withJSONObject: [
            "SignedEntryTimestamp": Data(bundle.signedEntryTimestamp).base64EncodedString(),
            "Payload": ["body": bundle.body, "integratedTime": bundle.integratedTime, "logIndex": bundle.logIndex, "logID": bundle.logID],
        ] as [String: Any]), as: UTF8.self)
        return SignatureCandidate(name: "signature 1", payload: payload, signature: signature, certificatePEM: pem,
                                  chainPEM: try inter.serializeAsPEM().pemString, bundle: fault == .noBundle ? nil : bundleJSON)
    }
}
