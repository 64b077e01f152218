import SwiftASN1
import X509

/// Fulcio's leaf certificates: the subject lives in a (critical) SAN, and
/// the certificate must be for code signing. Chain building is
/// swift-certificates' own; this policy adds those two rules.
struct CodeSigningPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let usage = try? chain.leaf.extensions.extendedKeyUsage, usage.contains(.codeSigning) else {
            return .failsToMeetPolicy(reason: "the certificate is not for code signing")
        }
        return .meetsPolicy
    }
}
