import BpfKernel
import Crypto
import Foundation
import SwiftASN1
import X509

/// Decides whether one image digest carries a signature the policy rule
/// trusts. No I/O: the signatures come in as values, the trust root and
/// keys are already loaded, so every refusal can be tested on its own.
public struct SignatureVerifier: Sendable {
    public var rule: SigningPolicy.Rule
    public var trustedRoot: TrustedRoot?

    public init(rule: SigningPolicy.Rule, trustedRoot: TrustedRoot?) {
        self.rule = rule; self.trustedRoot = trustedRoot
    }

    /// The signer of the first trusted candidate, or every candidate's reason for refusal.
    public func verify(_ candidates: [SignatureCandidate], digest: String) async -> Result<String, RefusalList> {
        var reasons: [String] = []
        for c in candidates {
            switch await check(c, digest: digest) {
            case .success(let signer): return .success(signer)
            case .failure(let r): reasons.append("\(c.name): \(r.reason)")
            }
        }
        if candidates.isEmpty { reasons.append("the signature manifest has no signature layer") }
        return .failure(RefusalList(reasons: reasons))
    }

    public struct RefusalList: Error, Equatable { public var reasons: [String] }
    public struct Refusal: Error, Equatable { public var reason: String; init(_ r: String) { reason = r } }

    /// One candidate: payload first, then key-based or keyless trust.
    public func check(_ c: SignatureCandidate, digest: String) async -> Result<String, Refusal> {
        guard let signature = c.signature else {
            return .failure(Refusal("no base64 \(SignatureLocation.signatureAnnotation) annotation"))
        }
        let payload: SimpleSigningPayload
        do { payload = try SimpleSigningPayload(parsing: c.payload) } catch { return .failure(Refusal("\(error)")) }
        guard payload.manifestDigest == digest else {
            return .failure(Refusal("it signs digest \(payload.manifestDigest), not this image's"))
        }
        if let pem = c.certificatePEM { return await keyless(c, pem: pem, signature: signature) }
        guard !rule.keys.isEmpty else {
            return .failure(Refusal("it is signed with a key, and no key is trusted for this image (\(rule.origin))"))
        }
        if let key = rule.keys.first(where: { $0.verifies(signature, of: c.payload) }) { return .success("key \(key.source)") }
        return .failure(Refusal("the signature does not verify under the trusted key\(rule.keys.count == 1 ? "" : "s") "
                                + rule.keys.map(\.source).joined(separator: ", ")))
    }

    private func keyless(_ c: SignatureCandidate, pem: String, signature: [UInt8]) async -> Result<String, Refusal> {
        let fail = { (why: String) in Result<String, Refusal>.failure(Refusal(why)) }
        guard let identities = rule.identities, let root = trustedRoot else {
            return fail("it is a keyless signature, and no keyless identity is trusted for this image (\(rule.origin))")
        }
        guard let leaf = try? Certificate(pemEncoded: pem) else { return fail("its certificate annotation is not a PEM certificate") }
        // Time: only the log's signed entry timestamp says when the short-lived certificate was used.
        guard let bundleText = c.bundle else {
            return fail("it has no Rekor bundle, so when it was made cannot be checked offline")
        }
        let bundle: RekorBundle
        do { bundle = try RekorBundle(parsing: bundleText) } catch { return fail("\(error)") }
        guard let log = root.logs.first(where: { $0.logID == bundle.logID }) else {
            return fail("its Rekor bundle is from log \(bundle.logID), which the trust root does not list")
        }
        guard log.validity.contains(bundle.time) else {
            return fail("the log \(log.baseURL)'s key was not valid at the entry's time \(bundle.time)")
        }
        guard TrustedKey.verifies(log.key, bundle.signedEntryTimestamp, bundle.signedBytes) else {
            return fail("the Rekor signed entry timestamp does not verify under the key of log \(log.baseURL.isEmpty ? bundle.logID : log.baseURL)")
        }
        let entry: RekorBundle.Entry
        do { entry = try bundle.entry() } catch { return fail("\(error)") }
        let payloadHash = Hex.lower(SHA256.hash(data: c.payload))
        guard entry.payloadHash == payloadHash else { return fail("the Rekor entry records another payload") }
        guard entry.signature == signature else { return fail("the Rekor entry records another signature") }
        guard let logged = try? Certificate(pemEncoded: entry.publicKey), logged == leaf else {
            return fail("the Rekor entry records another certificate")
        }
        let t = bundle.time
        guard leaf.notValidBefore <= t, t <= leaf.notValidAfter else {
            return fail("the certificate was valid from \(leaf.notValidBefore) to \(leaf.notValidAfter), but the log integrated the signature at \(t)")
        }
        if let refusal = await chainRefusal(leaf, chainPEM: c.chainPEM, root: root, at: t) { return fail(refusal) }
        guard TrustedKey.verifies(leaf.publicKey, signature, c.payload) else {
            return fail("the signature does not verify under its certificate's key")
        }
        guard let who = FulcioIdentity(leaf) else { return fail("its certificate names no e-mail or URI subject") }
        if let refusal = identities.refusal(subject: who.subject, issuer: who.issuer) { return fail(refusal) }
        return .success(who.subject + (who.issuer.map { " (issuer \($0))" } ?? ""))
    }

    /// nil when `leaf` chains, at time `t`, to a root of a CA valid then.
    private func chainRefusal(_ leaf: Certificate, chainPEM: String?, root: TrustedRoot, at t: Date) async -> String? {
        let authorities = root.authorities.filter { $0.validity.contains(t) }
        let roots = authorities.compactMap(\.root)
        guard !roots.isEmpty else { return "no certificate authority in the trust root was valid at \(t)" }
        var intermediates = authorities.flatMap { $0.chain.dropLast() }
        if let chainPEM, let docs = try? PEMDocument.parseMultiple(pemString: chainPEM) {
            intermediates += docs.compactMap { try? Certificate(derEncoded: $0.derBytes) }
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(validationTime: t)
            CodeSigningPolicy()
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate: return nil
        case .couldNotValidate(let failures):
            let why = failures.first.map { ": \($0.policyFailureReason)" } ?? ""
            return "its certificate (issued by \(leaf.issuer)) does not chain to a certificate authority of the trust root\(why)"
        }
    }
}
