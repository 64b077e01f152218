import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority made at start: it signs kubesim's serving
/// certificate and the client certificates it hands out in kubeconfigs.
public struct CertificateAuthority: Sendable {
    public let certificatePEM: String
    let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// Loads a CA from `dir/ca.crt` and `dir/ca.key`, or makes one and saves it
    /// there, so kubeconfigs stay valid across restarts.
    public static func loadOrCreate(directory dir: String) throws -> CertificateAuthority {
        let certPath = dir + "/ca.crt", keyPath = dir + "/ca.key"
        let fm = FileManager.default
        if let c = fm.contents(atPath: certPath), let k = fm.contents(atPath: keyPath) {
            let pem = String(decoding: c, as: UTF8.self)
            do {
                return CertificateAuthority(certificate: try Certificate(pemEncoded: pem), certificatePEM: pem,
                                            key: try P256.Signing.PrivateKey(pemRepresentation: String(decoding: k, as: UTF8.self)))
            } catch {
                throw CertificateError(message: "\(certPath) / \(keyPath): not a usable P-256 CA: \(error)")
            }
        }
        let ca = try CertificateAuthority()
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(ca.certificatePEM.utf8).write(to: URL(fileURLWithPath: certPath))
        try Data(ca.key.pemRepresentation.utf8).write(to: URL(fileURLWithPath: keyPath))
        chmod(keyPath, 0o600)
        return ca
    }

    private init(certificate: Certificate, certificatePEM: String, key: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.certificatePEM = certificatePEM
        self.key = key
    }

    /// A CA directory whose files cannot be used.
    public struct CertificateError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// A PEM certificate and its PEM private key.
    public struct Issued: Sendable {
        public var certificatePEM: String
        public var keyPEM: String
    }

    public init(commonName: String = "kubesim-ca") throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 10 * 365 * 86400,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        self.key = key
        self.certificate = cert
        self.certificatePEM = try cert.serializeAsPEM().pemString
    }

    /// A serving certificate for the given DNS names and IP addresses.
    public func issueServer(dnsNames: [String], ipAddresses: [[UInt8]]) throws -> Issued {
        var sans: [GeneralName] = dnsNames.map { .dnsName($0) }
        sans += ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let sanExtension = SubjectAlternativeNames(sans)
        return try issue(commonName: "kubesim", organization: nil, usage: .serverAuth, sans: sanExtension)
    }

    /// A client certificate; the API server reads the user from CN and groups from O.
    public func issueClient(user: String, group: String?) throws -> Issued {
        try issue(commonName: user, organization: group, usage: .clientAuth, sans: nil)
    }

    private func issue(commonName: String, organization: String?, usage: ExtendedKeyUsage.Usage,
                       sans: SubjectAlternativeNames?) throws -> Issued
    {
        let leafKey = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            if let organization { OrganizationName(organization) }
            CommonName(commonName)
        }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86400,
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage])
                if let sans { sans }
            },
            issuerPrivateKey: .init(key))
        return Issued(certificatePEM: try cert.serializeAsPEM().pemString, keyPEM: leafKey.pemRepresentation)
    }

    /// The user of a DER client certificate, as the real server's x509
    /// authenticator reads it: the subject's CN is the name, each O a group.
    static func user(fromDER der: [UInt8]) -> UserInfo? {
        guard let cert = try? Certificate(derEncoded: der) else { return nil }
        var name: String?
        var groups: [String] = []
        for rdn in cert.subject {
            for attr in rdn {
                if attr.type == .RDNAttributeType.commonName { name = "\(attr.value)" }
                if attr.type == .RDNAttributeType.organizationName { groups.append("\(attr.value)") }
            }
        }
        return name.map { UserInfo(name: $0, groups: groups) }
    }
}
