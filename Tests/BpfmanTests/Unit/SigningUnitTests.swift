import Bpfman
import BpfmanImages
import Crypto
import Foundation
import Testing
import X509

/// Signature verification without a registry: the `[signing]` settings,
/// the compiled policy, the public-good trust root, and every refusal of
/// the verifier on signatures made in memory (KeylessFixture).
@Suite("Image signing: policy and verifier")
struct SigningUnitTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    @Test("bpfman.toml [signing]: upstream's switches map onto off/warn/enforce, mode wins, policy tables in order")
    func settings() throws {
        #expect(BpfmanConfig.parse("").signing.effectiveMode == "warn")
        #expect(BpfmanConfig.parse("[signing]\nverify_enabled = false\nallow_unsigned = false").signing.effectiveMode == "off")
        #expect(BpfmanConfig.parse("[signing]\nallow_unsigned = false").signing.effectiveMode == "enforce")
        #expect(BpfmanConfig.parse("[signing]\nallow_unsigned = false\nmode = \"warn\"").signing.effectiveMode == "warn")
        let c = BpfmanConfig.parse("""
            [signing]
            mode = "enforce"   # refuse unsigned
            trusted_root = "/etc/bpfman/root.json"
            timeout_seconds = 5
            [[signing.policy]]
            images = "quay.io/bpfman-bytecode/*"
            subjects = ["https://github.com/bpfman/bpfman/.github/workflows/image-build.yml@refs/heads/main"]
            issuers = ["https://token.actions.githubusercontent.com"]
            [[signing.policy]]
            images = "reg.local:5000/*"
            mode = "warn"
            keys = ["/etc/bpfman/a.pub", "/etc/bpfman/b.pub"]
            subject_regexps = ["^.*@example\\\\.com$"]
            [interfaces.eth0]
            xdp_mode = "skb"
            """)
        #expect(c.signing.mode == "enforce" && c.signing.trustedRoot == "/etc/bpfman/root.json" && c.signing.timeoutSeconds == 5)
        #expect(c.signing.policies.count == 2)
        #expect(c.signing.policies[0].images == "quay.io/bpfman-bytecode/*" && c.signing.policies[0].line == 5)
        #expect(c.signing.policies[0].issuers == ["https://token.actions.githubusercontent.com"])
        #expect(c.signing.policies[1].mode == "warn" && c.signing.policies[1].keys == ["/etc/bpfman/a.pub", "/etc/bpfman/b.pub"])
        #expect(c.signing.policies[1].subjectRegexps == ["^.*@example\\.com$"])
        #expect(c.xdpMode(for: "eth0") == .skb)
    }

    @Test("a policy that cannot be used is refused naming the file, the line and why")
    func badPolicies() throws {
        func refusal(_ toml: String) -> String {
            do { _ = try SigningPolicy.compile(BpfmanConfig.parse(toml).signing, file: "/etc/bpfman/bpfman.toml"); return "accepted" } catch {
                return "\(error)"
            }
        }
        #expect(refusal("[signing]\nmode = \"strict\"") == "signing configuration: /etc/bpfman/bpfman.toml [signing]: mode \"strict\" is not one of off, warn, enforce")
        #expect(refusal("[signing]\n[[signing.policy]]\nkeys = [\"/nonexistent.pub\"]") == "signing configuration: key /nonexistent.pub cannot be read")
        #expect(refusal("[[signing.policy]]\nsubject_regexps = [\"(\"]").contains("/etc/bpfman/bpfman.toml line 1 ([[signing.policy]] images = \"*\"): \"(\" is not a regular expression"))
        #expect(refusal("[[signing.policy]]\nissuers = [\"https://x\"]").contains("issuers without subjects would trust anyone from them"))
        #expect(refusal("[signing]\ntimeout_seconds = 0").contains("timeout_seconds must be positive"))
        #expect(refusal("[signing]\ntrusted_root = \"/nonexistent.json\"") == "signing configuration: trusted root /nonexistent.json cannot be read")
        let keyFile = NSTemporaryDirectory() + "bad-\(UUID().uuidString).pub"
        try "not a key".write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        #expect(refusal("[[signing.policy]]\nkeys = [\"\(keyFile)\"]").contains("key \(keyFile) is not a PEM public key"))
    }

    @Test("the first policy whose pattern matches registry/repository decides; others get the default mode and no trust")
    func ruleSelection() throws {
        let policy = try SigningPolicy.compile(BpfmanConfig.parse("""
            [signing]
            mode = "warn"
            [[signing.policy]]
            images = "quay.io/bpfman-bytecode/*"
            mode = "enforce"
            subjects = ["a@b.c"]
            [[signing.policy]]
            images = "quay.io/*"
            mode = "off"
            """).signing)
        #expect(policy.rule(for: try ImageReference(parsing: "quay.io/bpfman-bytecode/go-xdp-counter:latest")).mode == .enforce)
        #expect(policy.rule(for: try ImageReference(parsing: "quay.io/other/x@sha256:" + String(repeating: "0", count: 64))).mode == .off)
        let other = policy.rule(for: try ImageReference(parsing: "busybox"))
        #expect(other.mode == .warn && other.keys.isEmpty && other.identities == nil)
        // Keyless identities are configured, so the public-good root was read.
        #expect(policy.trustedRoot != nil)
    }

    @Test("the built-in public-good trust root parses: Fulcio's chains and Rekor's keys, the log id being the key's SHA-256")
    func publicGoodRoot() throws {
        let root = try TrustedRoot.load(path: nil)
        #expect(root.authorities.count == 2)
        #expect(root.authorities.allSatisfy { $0.root?.issuer == $0.root?.subject })
        let rekor = try #require(root.logs.first { $0.baseURL == "https://rekor.sigstore.dev" })
        #expect(rekor.logID == "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d")
        #expect(root.logs.contains { $0.algorithm == .ed25519 })
    }

    @Test("a trusted_root.json that is not one says so, naming the file and the field")
    func badTrustedRoots() {
        func refusal(_ text: String) -> String {
            do { _ = try TrustedRoot(json: Array(text.utf8), source: "/x/root.json"); return "accepted" } catch { return "\(error)" }
        }
        #expect(refusal("{ nope") == "signing configuration: trusted root /x/root.json is not a Sigstore trusted_root.json: it does not parse as JSON")
        #expect(refusal(#"{"mediaType":"application/json"}"#).contains("has media type application/json"))
        #expect(refusal(#"{"certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"AAAA"}]}}]}"#)
            .contains("certificateAuthorities[0].certChain.certificates[0]: not an X.509 certificate"))
        #expect(refusal(#"{"tlogs":[{"publicKey":{"rawBytes":"AAAA"},"logId":{"keyId":"AA=="}}]}"#).contains("tlogs[0].publicKey: not a public key"))
        #expect(refusal(#"{"tlogs":[{"publicKey":{}}]}"#).contains("tlogs.0.logId is missing"))
    }

    static func keyRule(_ keys: [TrustedKey], mode: SigningMode = .enforce) -> SigningPolicy.Rule {
        SigningPolicy.Rule(images: "*", mode: mode, keys: keys, identities: nil, origin: "test")
    }

    @Test("key-based: ECDSA P-256 and Ed25519 signatures of the payload verify; another digest, a changed payload, a missing annotation or another key do not")
    func keyBased() async throws {
        let ec = P256.Signing.PrivateKey(), ed = Curve25519.Signing.PrivateKey()
        let ecKey = try TrustedKey(pem: ec.publicKey.pemRepresentation, source: "ec.pub")
        let edKey = try TrustedKey(pem: try Certificate.PublicKey(ed.publicKey).serializeAsPEM().pemString, source: "ed.pub")
        let payload = SimpleSigningPayload(dockerReference: "reg.test/app", manifestDigest: Self.digest).bytes
        let ecSig = Array(try ec.signature(for: payload).derRepresentation)
        let edSig = Array(try ed.signature(for: payload))
        let verifier = SignatureVerifier(rule: Self.keyRule([ecKey, edKey]), trustedRoot: nil)
        func check(_ payload: [UInt8], _ sig: [UInt8]?, digest: String = Self.digest, _ v: SignatureVerifier? = nil) async -> String {
            switch await (v ?? verifier).check(SignatureCandidate(name: "s", payload: payload, signature: sig), digest: digest) {
            case .success(let signer): return "ok: " + signer
            case .failure(let r): return r.reason
            }
        }
        #expect(await check(payload, ecSig) == "ok: key ec.pub")
        #expect(await check(payload, edSig) == "ok: key ed.pub")
        #expect(await check(payload, ecSig, digest: "sha256:" + String(repeating: "cd", count: 32))
                == "it signs digest \(Self.digest), not this image's")
        #expect(await check(payload + [0x20], ecSig) == "the signature does not verify under the trusted keys ec.pub, ed.pub")
        #expect(await check(payload, nil) == "no base64 dev.cosignproject.cosign/signature annotation")
        #expect(await check(Array("{}".utf8), ecSig).hasPrefix("the payload is not a simple-signing document"))
        #expect(await check(payload, ecSig, SignatureVerifier(rule: Self.keyRule([]), trustedRoot: nil))
                == "it is signed with a key, and no key is trusted for this image (test)")
        // The payload is cosign's, byte for byte.
        #expect(String(decoding: payload, as: UTF8.self) == #"{"critical":{"identity":{"docker-reference":"reg.test/app"},"image":{"docker-manifest-digest":"\#(Self.digest)"},"type":"cosign container image signature"},"optional":null}"#)
    }

    @Test("keyless: the allowed identity and issuer verify at the log's time; every spoiled part is refused with its reason")
    func keyless() async throws {
        let f = try KeylessFixture()
        let root = try f.trustedRoot()
        func rule(_ subjects: [IdentityRule.Pattern], _ issuers: [IdentityRule.Pattern] = []) -> SigningPolicy.Rule {
            SigningPolicy.Rule(images: "*", mode: .enforce, keys: [], identities: IdentityRule(subjects: subjects, issuers: issuers), origin: "test")
        }
        func check(_ c: SignatureCandidate, _ r: SigningPolicy.Rule, _ root: TrustedRoot? = nil) async -> String {
            switch await SignatureVerifier(rule: r, trustedRoot: root).check(c, digest: Self.digest) {
            case .success(let signer): return "ok: " + signer
            case .failure(let refusal): return refusal.reason
            }
        }
        let alice = rule([.exact("alice@example.com")], [.exact("https://issuer.test")])
        let good = try f.sign(digest: Self.digest)
        #expect(await check(good, alice, root) == "ok: alice@example.com (issuer https://issuer.test)")
        #expect(await check(try f.sign(digest: Self.digest, subject: "https://ci.test/workflow@refs/heads/main"),
                            rule([.regexp("https://ci\\.test/.*")]), root) == "ok: https://ci.test/workflow@refs/heads/main (issuer https://issuer.test)")
        #expect(await check(good, rule([.exact("bob@example.com")]), root)
                == "the signer alice@example.com is not an allowed identity (bob@example.com)")
        #expect(await check(good, rule([.regexp(".*")], [.regexp("https://other\\..*")]), root)
                == "the signer alice@example.com's issuer https://issuer.test is not an allowed issuer (/https://other\\..*/)")
        #expect(await check(good, Self.keyRule([]), root).hasPrefix("it is a keyless signature, and no keyless identity is trusted"))
        #expect(await check(try f.sign(digest: Self.digest, fault: .otherRoot), alice, root).contains("does not chain to a certificate authority of the trust root"))
        #expect(await check(try f.sign(digest: Self.digest, fault: .expired), alice, root).contains("but the log integrated the signature at"))
        #expect(await check(try f.sign(digest: Self.digest, fault: .forgedSET), alice, root)
                == "the Rekor signed entry timestamp does not verify under the key of log https://log.test")
        #expect(await check(try f.sign(digest: Self.digest, fault: .noBundle), alice, root)
                == "it has no Rekor bundle, so when it was made cannot be checked offline")
        #expect(await check(try f.sign(digest: Self.digest, fault: .otherLogPayload), alice, root) == "the Rekor entry records another payload")
        #expect(await check(try f.sign(digest: Self.digest, fault: .codeSigningMissing), alice, root).contains("not for code signing"))
        var tampered = good
        tampered.payload = SimpleSigningPayload(dockerReference: "reg.test/evil", manifestDigest: Self.digest).bytes
        #expect(await check(tampered, alice, root) == "the Rekor entry records another payload")
        var otherSig = good
        otherSig.signature = try f.sign(digest: Self.digest).signature
        #expect(await check(otherSig, alice, root) == "the Rekor entry records another signature")
        // A log the trust root does not list, or whose key was not valid yet.
        let elsewhere = try TrustedRoot(json: try KeylessFixture().trustedRootJSON(), source: "other")
        #expect(await check(good, alice, elsewhere).hasPrefix("its Rekor bundle is from log"))
        let notYet = try TrustedRoot(json: try f.trustedRootJSON(logStart: "2999-01-01T00:00:00Z"), source: "late")
        #expect(await check(good, alice, notYet).contains("key was not valid at the entry's time"))
    }
}

extension SigningUnitTests {
    @Test("signed bytes are rebuilt as canonical JSON: '/' in a base64 body is not escaped (Rekor and Go do not), keys sorted")
    func canonicalBytes() {
        let b = RekorBundle(signedEntryTimestamp: [], body: "ab/cd+e=", integratedTime: 1700000000, logIndex: 42, logID: "c0ffee")
        #expect(String(decoding: b.signedBytes, as: UTF8.self)
                == #"{"body":"ab/cd+e=","integratedTime":1700000000,"logID":"c0ffee","logIndex":42}"#)
        let p = SimpleSigningPayload(dockerReference: "quay.io/a/b\"c", manifestDigest: "sha256:00")
        #expect(String(decoding: p.bytes, as: UTF8.self).contains(#""docker-reference":"quay.io/a/b\"c""#))
    }
}
