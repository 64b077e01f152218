import Bpfman
import BpfmanImages
import Foundation
import Testing
import TestHelpers

/// Signed bytecode against a real registry (Debian's docker-registry):
/// `bpfman image sign`, key-based and keyless verification with an identity
/// policy, the modes, and every bad signature refused leaving nothing
/// behind. The independent side is `hack/cosign-like.py` (Python's
/// `cryptography`, cosign's format).
@Suite("Signed bytecode images (registry, host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct SigningTests {
    static let program = ["-n", "tracepoint_openat", "-o", "json", "tracepoint", "-t", "syscalls/sys_enter_openat"]

    static func load(_ box: Sandbox, _ ref: String, policy: String = "Always") throws -> Shell.Result {
        try box.cli(["load", "image", "-i", ref, "-p", policy] + program)
    }

    static func config(_ box: Sandbox, _ text: String) throws {
        try text.write(toFile: box.base + "/bpfman.toml", atomically: true, encoding: .utf8)
    }

    /// Pushes a copy of the tracepoint counter under its own file name, so each call makes a new digest.
    static func pushFresh(_ box: Sandbox, _ ref: String, _ name: String) throws -> String {
        let object = box.base + "/\(name).o"
        try? FileManager.default.removeItem(atPath: object)
        try FileManager.default.copyItem(atPath: TestPaths.example("tracepoint_counter"), toPath: object)
        return try ImageTests.push(box, object, to: ref)
    }

    static func python(_ args: [String]) throws -> Shell.Result {
        try Shell.run("/usr/bin/env", ["python3", TestPaths.root + "/hack/cosign-like.py"] + args)
    }

    static func verifiedFiles(_ box: Sandbox) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: box.imageCache + "/signatures")) ?? []
    }

    static func expectRefused(_ box: Sandbox, _ r: Shell.Result, _ says: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(!r.ok, "loaded: \(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(says), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(try box.records().isEmpty && box.pins().isEmpty, sourceLocation: sourceLocation)
    }

    @Test("key-based: bpfman image sign → loads under enforce (record and get show the signer), Python verifies it; a new digest on the tag is unsigned and refused; an Ed25519 signature made in Python verifies here")
    func keyBased() throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let ref = "\(registry.host)/signed/tp:v1"
        let digest = try Self.pushFresh(box, ref, "first")
        try Shell.sh("""
            cd \(box.base) && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null \
            && openssl pkey -in ec.key -pubout -out ec.pub && openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null \
            && openssl pkey -in ed.key -pubout -out ed.pub
            """)
        try Self.config(box, """
            [signing]
            mode = "enforce"
            [[signing.policy]]
            images = "\(registry.host)/signed/*"
            keys = ["\(box.base)/ec.pub"]
            """)
        // Unsigned under enforce: refused, nothing left, nothing cached as verified.
        try Self.expectRefused(box, try Self.load(box, ref), "image \(ref) (\(digest)) is unsigned: no signature manifest \(digest.replacingOccurrences(of: ":", with: "-")).sig")
        #expect(Self.verifiedFiles(box).isEmpty)

        let signed = try box.cli(["image", "sign", "-i", ref, "-k", box.base + "/ec.key"])
        #expect(signed.ok, "\(signed.stderr)")
        #expect(signed.stdout.contains(digest))
        let r = try Self.load(box, ref)
        #expect(r.ok, "\(r.stderr)")
        let e = try ImageTests.entry(r)
        #expect(e.record?.signature == ImageSignature(verdict: .verified, signer: "key \(box.base)/ec.pub", digest: digest))
        #expect(r.stdout.contains("\"verdict\" : \"verified\""))
        let table = try box.cli(["get", "\(e.kernel.id)"]).stdout
        #expect(table.contains("Signature:") && table.contains("verified, signed by key \(box.base)/ec.pub"), "\(table)")
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        #expect(Self.verifiedFiles(box).count == 1)
        // Verified once: with the registry gone, the cached image loads on the remembered verdict.
        registry.stop()
        let offline = try Self.load(box, ref, policy: "IfNotPresent")
        #expect(offline.ok, "\(offline.stderr)")
        #expect(try ImageTests.entry(offline).record?.signature?.verdict == .verified)
        #expect(try box.cli(["unload", "\(try ImageTests.entry(offline).kernel.id)"]).ok)
        let restarted = try TestRegistry(reuse: registry)

        // The independent verifier accepts our signature, and refuses it under another key.
        let theirs = try Self.python(["verify-key", "--pub", box.base + "/ec.pub", "--registry", registry.host, "--repo", "signed/tp", "--digest", digest])
        #expect(theirs.ok && theirs.stdout.contains("verified"), "\(theirs.stdout)\(theirs.stderr)")
        #expect(!(try Self.python(["verify-key", "--pub", box.base + "/ed.pub", "--registry", registry.host, "--repo", "signed/tp", "--digest", digest])).ok)

        // The tag moves to another digest: its signature does not carry over.
        let moved = try Self.pushFresh(box, ref, "second")
        #expect(moved != digest)
        try Self.expectRefused(box, try Self.load(box, ref), "image \(ref) (\(moved)) is unsigned")

        // Signed by Python with Ed25519; trusted by its public key; the EC key no longer counts for it.
        #expect(try Self.python(["sign-key", "--key", box.base + "/ed.key", "--registry", registry.host, "--repo", "signed/tp", "--digest", moved]).ok)
        try Self.expectRefused(box, try Self.load(box, ref), "does not verify under the trusted key \(box.base)/ec.pub")
        try Self.config(box, """
            [signing]
            mode = "enforce"
            [[signing.policy]]
            images = "\(registry.host)/signed/*"
            keys = ["\(box.base)/ec.pub", "\(box.base)/ed.pub"]
            """)
        let ed = try Self.load(box, ref)
        #expect(ed.ok, "\(ed.stderr)")
        #expect(try ImageTests.entry(ed).record?.signature?.signer == "key \(box.base)/ed.pub")
        #expect(try box.cli(["unload", "\(try ImageTests.entry(ed).kernel.id)"]).ok)
        withExtendedLifetime((registry, restarted)) {}
    }

    @Test("keyless: a Fulcio-like certificate for an allowed identity and issuer loads; other identities, issuers and every bad signature are refused with the reason, nothing loaded or cached as verified")
    func keyless() throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let ca = box.base + "/ca"
        #expect(try Self.python(["ca", ca]).ok)
        func policy(_ identity: String) throws {
            try Self.config(box, """
                [signing]
                mode = "enforce"
                trusted_root = "\(ca)/trusted_root.json"
                [[signing.policy]]
                images = "\(registry.host)/keyless/*"
                \(identity)
                """)
        }
        func sign(_ digest: String, subject: String = "alice@example.com", issuer: String = "https://issuer.test",
                  fault: String = "") throws {
            let r = try Self.python(["sign-keyless", "--ca", ca, "--registry", registry.host, "--repo", "keyless/tp",
                                     "--digest", digest, "--subject", subject, "--issuer", issuer, "--fault", fault])
            #expect(r.ok, "\(r.stderr)")
        }
        let ref = "\(registry.host)/keyless/tp:v1"
        let digest = try Self.pushFresh(box, ref, "good")
        try sign(digest)

        // No identity in the policy: no keyless signature is trusted (upstream trusts anyone).
        try policy("")
        try Self.expectRefused(box, try Self.load(box, ref), "it is a keyless signature, and no keyless identity is trusted for this image")
        try policy("subjects = [\"bob@example.com\"]")
        try Self.expectRefused(box, try Self.load(box, ref), "the signer alice@example.com is not an allowed identity (bob@example.com)")
        try policy("subject_regexps = [\".*@example\\\\.com\"]\nissuers = [\"https://other.test\"]")
        try Self.expectRefused(box, try Self.load(box, ref), "the signer alice@example.com's issuer https://issuer.test is not an allowed issuer (https://other.test)")
        #expect(Self.verifiedFiles(box).isEmpty)

        try policy("subject_regexps = [\".*@example\\\\.com\"]\nissuers = [\"https://issuer.test\"]")
        let ok = try Self.load(box, ref)
        #expect(ok.ok, "\(ok.stderr)")
        #expect(try ImageTests.entry(ok).record?.signature?.signer == "alice@example.com (issuer https://issuer.test)")
        #expect(try box.cli(["unload", "\(try ImageTests.entry(ok).kernel.id)"]).ok)

        // Each bad signature on a digest of its own.
        for (fault, says) in [
            ("other-digest", "it signs digest sha256:0000000000000000000000000000000000000000000000000000000000000000, not this image's"),
            ("tampered-payload", "the Rekor entry records another payload"),
            ("untrusted-root", "does not chain to a certificate authority of the trust root"),
            ("expired", "but the log integrated the signature at"),
            ("no-bundle", "it has no Rekor bundle"),
            ("forged-set", "the Rekor signed entry timestamp does not verify under the key of log https://rekor.test"),
            ("malformed", "is malformed: it is not an OCI image manifest"),
        ] {
            let d = try Self.pushFresh(box, ref, fault)
            try sign(d, fault: fault)
            let before = Self.verifiedFiles(box)
            try Self.expectRefused(box, try Self.load(box, ref), says)
            #expect(Self.verifiedFiles(box) == before, "\(fault): cached as verified")
        }

        // A trusted_root.json that does not parse: refused at start, naming the file.
        try "{ not json".write(toFile: box.base + "/broken.json", atomically: true, encoding: .utf8)
        try Self.config(box, "[signing]\nmode = \"enforce\"\ntrusted_root = \"\(box.base)/broken.json\"\n")
        let broken = try box.cli(["image", "pull", "-i", ref])
        #expect(!broken.ok && broken.stderr.contains("trusted root \(box.base)/broken.json is not a Sigstore trusted_root.json"), "\(broken.stderr)")
        let rpc = try Shell.run(TestPaths.binary("bpfman-rpc"), ["--socket-path", box.base + "/rpc.sock"], env: box.env)
        #expect(rpc.status == 2 && rpc.stderr.contains("\(box.base)/broken.json"), "\(rpc.status) \(rpc.stderr)")
        withExtendedLifetime(registry) {}
    }

    @Test("warn loads an unsigned image with the warning in its record; off asks the registry for no signature (counted at a proxy); a stalling registry meets the time limit")
    func warnAndOff() throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let log = box.base + "/proxy.log"
        let proxy = try RegistryProxy(upstream: registry, flags: ["--log", log])
        let ref = "\(proxy.host)/plain/tp:v1"
        _ = try Self.pushFresh(box, "\(registry.host)/plain/tp:v1", "plain")
        func sigRequests() -> Int {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(".sig") }.count
        }

        try Self.config(box, "[signing]\nmode = \"warn\"\n")
        let warned = try Self.load(box, ref)
        #expect(warned.ok, "\(warned.stderr)")
        let w = try ImageTests.entry(warned).record?.signature
        #expect(w?.verdict == .warning && (w?.detail ?? "").contains("is unsigned"), "\(String(describing: w))")
        #expect(sigRequests() == 1)
        #expect(try box.cli(["get", "\(try ImageTests.entry(warned).kernel.id)"]).stdout.contains("warning: image \(ref)"))
        #expect(try box.cli(["unload", "\(try ImageTests.entry(warned).kernel.id)"]).ok)

        // Upstream's switches map onto the modes: verify_enabled = false is off.
        try Self.config(box, "[signing]\nverify_enabled = false\n")
        let before = sigRequests()
        let off = try Self.load(box, ref)
        #expect(off.ok, "\(off.stderr)")
        #expect(try ImageTests.entry(off).record?.signature?.verdict == .notChecked)
        #expect(sigRequests() == before, "off asked for a signature")
        #expect(try box.cli(["unload", "\(try ImageTests.entry(off).kernel.id)"]).ok)

        // allow_unsigned = false is enforce.
        try Self.config(box, "[signing]\nallow_unsigned = false\n")
        try Self.expectRefused(box, try Self.load(box, ref), "is unsigned")

        // A registry that stalls: the check gives up after timeout_seconds with a clear error, whatever the image.
        let slow = try RegistryProxy(upstream: registry, flags: ["--stall-manifests", "3"])
        try Self.config(box, "[signing]\nmode = \"enforce\"\ntimeout_seconds = 1\n")
        try Self.expectRefused(box, try Self.load(box, "\(slow.host)/plain/tp:v1", policy: "IfNotPresent"),
                               "the signature check of image \(slow.host)/plain/tp:v1 did not finish within 1 s (signing timeout_seconds)")
        withExtendedLifetime((registry, proxy, slow)) {}
    }
}
