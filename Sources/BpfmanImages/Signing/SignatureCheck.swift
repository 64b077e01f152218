import Bpfman
import Foundation

/// Finds an image's cosign signatures in its registry, has
/// `SignatureVerifier` judge them, and applies the mode: enforce refuses,
/// warn loads with the reason kept, off asks the registry nothing. A
/// verified digest is remembered (per policy and trust root) in the cache
/// directory, so it is checked once; a refusal is never remembered.
public struct SignatureCheck: Sendable {
    public let policy: SigningPolicy
    /// `<image cache>/signatures`: one file per verified (policy, digest).
    public let directory: String

    /// At most this many signatures and this many bytes per payload are read.
    static let maxSignatures = 32
    static let maxPayloadBytes = 1 << 20

    public init(policy: SigningPolicy, directory: String) {
        self.policy = policy; self.directory = directory
    }

    /// The verdict when no registry needs to be asked: mode off, or a
    /// digest verified before under the same rule and trust root; else nil.
    public func known(_ ref: ImageReference, digest: String) -> ImageSignature? {
        let rule = policy.rule(for: ref)
        guard rule.mode != .off else { return ImageSignature(verdict: .notChecked, digest: digest) }
        return remembered(policy.cacheKey(rule, digest: digest), digest: digest)
    }

    /// The verdict for `digest` of `ref`; throws `SigningError` when the mode refuses it.
    public func check(_ ref: ImageReference, digest: String, client: RegistryClient) async throws -> ImageSignature {
        if let known = known(ref, digest: digest) { return known }
        let rule = policy.rule(for: ref)
        let outcome: Result<String, SigningError>
        do {
            outcome = try await Self.withTimeout(seconds: policy.timeoutSeconds, image: "\(ref)") {
                try await self.verify(ref, digest: digest, rule: rule, client: client)
            }
        } catch let e as SigningError {
            outcome = .failure(e)
        }
        switch outcome {
        case .success(let signer):
            let verdict = ImageSignature(verdict: .verified, signer: signer, digest: digest)
            remember(policy.cacheKey(rule, digest: digest), verdict)
            return verdict
        case .failure(let error):
            guard rule.mode == .warn else { throw error }
            return ImageSignature(verdict: .warning, detail: error.description, digest: digest)
        }
    }

    /// Fetches the signature manifest and its payloads, then verifies.
    private func verify(_ ref: ImageReference, digest: String, rule: SigningPolicy.Rule,
                        client: RegistryClient) async throws -> Result<String, SigningError> {
        let sigRef = SignatureLocation.reference(of: ref, digest: digest)
        let sigName = SignatureLocation.tag(for: digest)
        let body: [UInt8]
        do {
            body = try await client.manifest(sigRef).body
        } catch ImageError.notFound {
            return .failure(.unsigned(image: "\(ref)", digest: digest))
        } catch let e as ImageError {
            return .failure(.lookupFailed(image: "\(ref)", e.description))
        }
        guard let manifest = try? JSONDecoder().decode(ImageManifest.self, from: Data(body)) else {
            return .failure(.malformed(image: "\(ref)", signature: sigName, "it is not an OCI image manifest"))
        }
        guard manifest.layers.count <= Self.maxSignatures else {
            return .failure(.malformed(image: "\(ref)", signature: sigName, "it has \(manifest.layers.count) layers, more than \(Self.maxSignatures)"))
        }
        var candidates: [SignatureCandidate] = []
        for (i, layer) in manifest.layers.enumerated() {
            let payload: [UInt8]
            do {
                payload = try await client.blob(sigRef, layer, limit: Self.maxPayloadBytes)
            } catch let e as ImageError {
                return .failure(.malformed(image: "\(ref)", signature: sigName, "layer \(i + 1): \(e.description)"))
            }
            let a = layer.annotations ?? [:]
            candidates.append(SignatureCandidate(
                name: "signature \(i + 1) of \(sigName)", payload: payload,
                signature: a[SignatureLocation.signatureAnnotation].flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) },
                certificatePEM: a[SignatureLocation.certificateAnnotation], chainPEM: a[SignatureLocation.chainAnnotation],
                bundle: a[SignatureLocation.bundleAnnotation]))
        }
        let verifier = SignatureVerifier(rule: rule, trustedRoot: policy.trustedRoot)
        switch await verifier.verify(candidates, digest: digest) {
        case .success(let signer): return .success(signer)
        case .failure(let refusals): return .failure(.untrusted(image: "\(ref)", digest: digest, reasons: refusals.reasons))
        }
    }

    private func path(_ key: String) -> String { "\(directory)/\(Digest.hex(key) ?? key).json" }

    private func remembered(_ key: String, digest: String) -> ImageSignature? {
        guard let data = FileManager.default.contents(atPath: path(key)),
              let v = try? JSONDecoder().decode(ImageSignature.self, from: data),
              v.verdict == .verified, v.digest == digest else { return nil }
        return v
    }

    private func remember(_ key: String, _ verdict: ImageSignature) {
        guard let data = try? JSONEncoder().encode(verdict) else { return }
        try? AtomicFile.write([UInt8](data), to: path(key), mode: 0o644, durable: true)
    }

    /// Runs `body`, or throws `timedOut` after `seconds`.
    static func withTimeout<T: Sendable>(seconds: Int, image: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask { try await Task.sleep(for: .seconds(seconds)); return nil }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw SigningError.timedOut(image: image, seconds: seconds)
            }
            return value
        }
    }
}
