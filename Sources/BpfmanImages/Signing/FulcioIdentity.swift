import SwiftASN1
import X509

/// Who a Fulcio certificate was issued to: its SAN (e-mail or URI) and the
/// OIDC issuer from Fulcio's extensions (1.3.6.1.4.1.57264.1.8, a DER
/// UTF8String; or the older 1.3.6.1.4.1.57264.1.1, raw bytes).
struct FulcioIdentity: Equatable {
    static let issuerV2: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 8]
    static let issuerV1: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 1]

    var subject: String
    var issuer: String?

    init?(_ cert: Certificate) {
        guard let names = (try? cert.extensions.subjectAlternativeNames) ?? nil else { return nil }
        var subject: String?
        for name in names {
            switch name {
            case .rfc822Name(let s), .uniformResourceIdentifier(let s): subject = subject ?? s
            default: continue
            }
        }
        guard let subject else { return nil }
        self.subject = subject
        if let v2 = cert.extensions[oid: Self.issuerV2], let s = try? ASN1UTF8String(derEncoded: v2.value) {
            issuer = String(s)
        } else if let v1 = cert.extensions[oid: Self.issuerV1] {
            issuer = String(decoding: v1.value, as: UTF8.self)
        } else {
            issuer = nil
        }
    }
}
