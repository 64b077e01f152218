import BpfKernel
import Bpfman
import BpfmanImages
import Foundation
import Testing
import TestHelpers

/// Bytecode images against a real registry (Debian's docker-registry).
@Suite("Bytecode images (registry, host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct ImageTests {
    /// `bpfman image build … --push` of an example object.
    @discardableResult
    static func push(_ box: Sandbox, _ object: String, to ref: String, auth: String? = nil, env: [String: String] = [:]) throws -> String {
        var args = ["image", "build", "-b", object, "-t", ref, "--push"]
        if let auth { args += ["--registry-auth", auth] }
        let r = try box.cli(args, env: env)
        #expect(r.ok, "push failed: \(r.stderr)")
        return r.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    static func loadXdp(_ box: Sandbox, _ ref: String, _ veth: VethPair, policy: String = "IfNotPresent", extra: [String] = [],
                        env: [String: String] = [:]) throws -> Shell.Result {
        try box.cli(["load", "image", "-i", ref, "-p", policy, "-n", "xdp_stats", "-o", "json"] + extra
                    + ["xdp", "-i", veth.host, "-p", "50"], env: env)
    }

    /// Loads the XDP counter from `ref` with `policy`, checks the recorded
    /// location and that it counts `packets` sent to the host end.
    static func loadAndCount(_ box: Sandbox, _ ref: String, _ veth: VethPair, policy: ImagePullPolicy, digest: String,
                             packets: Int) throws -> ProgramEntry {
        let r = try loadXdp(box, ref, veth, policy: policy.rawValue)
        #expect(r.ok, "\(r.stderr)")
        let e = try entry(r)
        #expect(e.record?.location == .image(url: ref, pullPolicy: policy, digest: digest))
        let before = try box.counter(e, map: "xdp_stats_map", key: 0)
        try veth.sendToHost(packets)
        #expect(try box.counter(e, map: "xdp_stats_map", key: 0) - before >= UInt64(packets))
        return e
    }

    static func entry(_ r: Shell.Result) throws -> ProgramEntry {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try d.decode(ProgramEntry.self, from: Data(r.stdout.utf8))
    }

    @Test("an XDP counter loaded from an image in the local registry counts packets; get shows URL and digest")
    func xdpFromImage() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let registry = try TestRegistry()
        let ref = "\(registry.host)/bpfman/xdp-counter:v1"
        let digest = try Self.push(box, TestPaths.example("xdp_counter"), to: ref)
        let e = try Self.loadAndCount(box, ref, veth, policy: .ifNotPresent, digest: digest, packets: 10)
        let table = try box.cli(["get", "\(e.kernel.id)"]).stdout
        #expect(table.contains(" Image URL:          \(ref)\n"))
        #expect(table.contains(" Image Digest:       \(digest)\n"))
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        withExtendedLifetime(registry) {}
    }

    @Test("IfNotPresent works with the registry stopped; Never fails clearly when not cached; Always follows a moved tag")
    func pullPolicies() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let registry = try TestRegistry()
        let ref = "\(registry.host)/bpfman/counter:moving"
        let first = try Self.push(box, TestPaths.example("xdp_counter"), to: ref)
        #expect(try box.cli(["image", "pull", "-i", ref]).ok)

        registry.stop()
        let cached = try Self.loadXdp(box, ref, veth)
        #expect(cached.ok, "IfNotPresent must not need the registry: \(cached.stderr)")
        #expect(try box.cli(["unload", "\(try Self.entry(cached).kernel.id)"]).ok)
        let never = try box.cli(["image", "pull", "-i", "\(registry.host)/bpfman/other:v1", "-p", "Never"])
        #expect(!never.ok)
        #expect(never.stderr.contains("image \(registry.host)/bpfman/other:v1 is not in the local cache and the pull policy is Never"))
        let down = try Self.loadXdp(box, ref, veth, policy: "Always")
        #expect(!down.ok)
        #expect(down.stderr.contains("cannot reach registry \(registry.host)"), "\(down.stderr)")

        // Move the tag: same name, different content (the object's own file name differs).
        let restarted = try TestRegistry(reuse: registry)
        let moved = "/tmp/bpfman-moved-\(getpid()).o"
        try FileManager.default.copyItem(atPath: TestPaths.example("xdp_counter"), toPath: moved)
        defer { try? FileManager.default.removeItem(atPath: moved) }
        let second = try Self.push(box, moved, to: ref)
        #expect(second != first)
        let stale = try Self.loadXdp(box, ref, veth)
        #expect(try Self.entry(stale).record?.location == .image(url: ref, pullPolicy: .ifNotPresent, digest: first))
        #expect(try box.cli(["unload", "\(try Self.entry(stale).kernel.id)"]).ok)
        let fresh = try Self.loadXdp(box, ref, veth, policy: "Always")
        #expect(try Self.entry(fresh).record?.location == .image(url: ref, pullPolicy: .always, digest: second))
        #expect(try box.cli(["unload", "\(try Self.entry(fresh).kernel.id)"]).ok)
        withExtendedLifetime((registry, restarted)) {}
    }

    @Test("image build --load puts the image in the local cache under its tag: a load with pull policy Never finds it, no registry involved; a bad object leaves the cache empty")
    func buildAndLoadIntoCache() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        // A registry name that resolves nowhere: only the cache can answer.
        let ref = "registry.invalid/bpfman-bytecode/xdp_pass:latest"
        let built = try box.cli(["image", "build", "-b", TestPaths.example("xdp_counter"), "-t", ref, "--load"])
        #expect(built.ok, "\(built.stderr)")
        let digest = built.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let e = try Self.loadAndCount(box, ref, veth, policy: .never, digest: digest, packets: 5)
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)

        let other = try Sandbox()
        let junk = other.base + "/junk.o"
        try Data("not an ELF".utf8).write(to: URL(fileURLWithPath: junk))
        let bad = try other.cli(["image", "build", "-b", junk, "-t", ref, "--load"])
        #expect(!bad.ok && bad.stderr.contains("cannot read \(junk) as a BPF object"), "\(bad.stderr)")
        #expect(ImageCache(root: other.imageCache).referenceFiles().isEmpty, "a failed build leaves no reference in the cache")
        let nowhere = try other.cli(["image", "build", "-b", TestPaths.example("xdp_counter"), "-t", ref])
        #expect(!nowhere.ok && nowhere.stderr.contains("--push, --load, --oci-layout DIR"), "\(nowhere.stderr)")
    }

    @Test("TLS with a test CA and htpasswd: wrong credentials name the registry and the 401; right ones work")
    func tlsAndBasicAuth() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let registry = try TestRegistry(tls: true, auth: true)
        let ca = ["BPFMAN_REGISTRY_CA": registry.caFile]
        let ref = "\(registry.host)/private/xdp:v1"
        try Self.push(box, TestPaths.example("xdp_counter"), to: ref, auth: registry.authArgument, env: ca)
        let wrong = Data("bpfman:wrong".utf8).base64EncodedString()
        let denied = try box.cli(["image", "pull", "-i", ref, "-r", wrong], env: ca)
        #expect(!denied.ok)
        #expect(denied.stderr.contains("registry \(registry.host) refused the credentials (HTTP 401)"), "\(denied.stderr)")
        let anonymous = try box.cli(["image", "pull", "-i", ref], env: ca)
        #expect(anonymous.stderr.contains("(HTTP 401)"), "\(anonymous.stderr)")
        let r = try Self.loadXdp(box, ref, veth, extra: ["-r", registry.authArgument ?? ""], env: ca)
        #expect(r.ok, "\(r.stderr)")
        #expect(try box.cli(["unload", "\(try Self.entry(r).kernel.id)"]).ok)
        #expect(try box.cli(["image", "pull", "-i", "\(registry.host)/private/none:v1", "-p", "Always", "-r", registry.authArgument ?? ""]).ok == false,
                "without the CA, TLS must fail")
        withExtendedLifetime(registry) {}
    }

    @Test("a private image pulled by A with credentials: B without them, or with refused ones, is refused under IfNotPresent and Never and leaves nothing; B's own valid ones load it from the cache with one HEAD; a public image needs none")
    func privateImagesStayPrivate() throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let log = box.base + "/proxy.log"
        let proxy = try RegistryProxy(upstream: registry, flags: ["--basic", "--user", "alice:a-pass,bob:b-pass", "--log", log])
        try Self.push(box, TestPaths.example("tracepoint_counter"), to: "\(registry.host)/priv/tp:v1")
        try Self.push(box, TestPaths.example("tracepoint_counter"), to: "\(registry.host)/pub/tp:v1")
        let privateRef = "\(proxy.host)/priv/tp:v1", publicRef = "\(registry.host)/pub/tp:v1"
        func creds(_ s: String) -> [String] { ["-r", Data(s.utf8).base64EncodedString()] }
        func load(_ ref: String, _ policy: String, _ extra: [String] = []) throws -> Shell.Result {
            try box.cli(["load", "image", "-i", ref, "-p", policy, "-n", "tracepoint_openat", "-o", "json"] + extra
                        + ["tracepoint", "-t", "syscalls/sys_enter_openat"])
        }
        func requests() -> [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

        // A pulls it with credentials; so is the public one (the registry never asks for them).
        let pulled = try box.cli(["image", "pull", "-i", privateRef, "-p", "Always"] + creds("alice:a-pass"))
        #expect(pulled.ok, "\(pulled.stderr)")
        #expect(requests().contains { $0.hasPrefix("GET /v2/priv/tp/blobs/") && $0.hasSuffix(" 200") }, "\(requests())")
        #expect(try box.cli(["image", "pull", "-i", publicRef, "-p", "Always"] + creds("alice:a-pass")).ok)

        // B without credentials, or with refused ones: refused, whatever the policy, nothing left behind.
        for (policy, extra, says) in [("IfNotPresent", [String](), "does not serve it without them (HTTP 401)"),
                                      ("Never", [], "does not serve it without them (HTTP 401)"),
                                      ("IfNotPresent", creds("bob:wrong"), "does not accept these credentials for it (HTTP 401)"),
                                      ("Never", creds("mallory:x"), "does not accept these credentials for it (HTTP 401)")] {
            let r = try load(privateRef, policy, extra)
            #expect(!r.ok, "\(policy) \(extra): loaded a private image")
            #expect(r.stderr.contains("image \(privateRef) is in the local cache, but it was pulled with credentials and the registry \(says)"),
                    "\(r.stderr)")
            #expect(try box.records().isEmpty && box.pins().isEmpty)
        }

        // B with its own valid credentials: one manifest HEAD, no download.
        let before = requests().count
        let b = try load(privateRef, "IfNotPresent", creds("bob:b-pass"))
        #expect(b.ok, "\(b.stderr)")
        let asked = requests().dropFirst(before)
        #expect(asked.contains { $0.hasPrefix("HEAD /v2/priv/tp/manifests/sha256:") && $0.hasSuffix(" 200") }, "\(Array(asked))")
        // (The signature lookup of the default mode, warn, is a GET of the `.sig` manifest, not a download of the image.)
        #expect(!asked.contains { $0.hasPrefix("GET ") && !$0.contains(".sig") }, "nothing downloaded again: \(Array(asked))")
        #expect(try box.cli(["unload", "\(try Self.entry(b).kernel.id)"]).ok)

        // The accepted credentials are remembered as salted keys, never as the secret.
        let refs = ImageCache(root: box.imageCache).referenceFiles()
        for file in refs {
            let text = try String(contentsOfFile: "\(box.imageCache)/refs/\(file)", encoding: .utf8)
            for secret in ["a-pass", "b-pass", Data("alice:a-pass".utf8).base64EncodedString(), Data("bob:b-pass".utf8).base64EncodedString()] {
                #expect(!text.contains(secret), "\(file) holds a secret")
            }
        }

        // With the registry gone: A and B still load it from the cache (their credentials were accepted), anonymous B the public one.
        proxy.stop()
        registry.stop()
        for who in ["alice:a-pass", "bob:b-pass"] {
            let r = try load(privateRef, "Never", creds(who))
            #expect(r.ok, "\(who): \(r.stderr)")
            #expect(try box.cli(["unload", "\(try Self.entry(r).kernel.id)"]).ok)
        }
        let anyone = try load(publicRef, "Never")
        #expect(anyone.ok, "\(anyone.stderr)")
        #expect(try box.cli(["unload", "\(try Self.entry(anyone).kernel.id)"]).ok)
        let down = try load(privateRef, "IfNotPresent")
        #expect(!down.ok && down.stderr.contains("cannot be checked with the registry (cannot reach registry \(proxy.host)"), "\(down.stderr)")
        #expect(try box.records().isEmpty && box.pins().isEmpty)
    }

    @Test("the Bearer token flow: challenge, token service with Basic credentials, retry")
    func tokenFlow() throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let proxy = try RegistryProxy(upstream: registry, flags: ["--token", "--user", "bob:builder"])
        try Self.push(box, TestPaths.example("tracepoint_counter"), to: "\(registry.host)/tok/tp:v1")
        let ref = "\(proxy.host)/tok/tp:v1"
        let good = Data("bob:builder".utf8).base64EncodedString()
        let ok = try box.cli(["image", "pull", "-i", ref, "-r", good, "-o", "json"])
        #expect(ok.ok, "\(ok.stderr)")
        #expect(ok.stdout.contains("tracepoint_openat"))
        let bad = try box.cli(["image", "pull", "-i", ref, "-p", "Always", "-r", Data("bob:x".utf8).base64EncodedString()])
        #expect(!bad.ok)
        #expect(bad.stderr.contains("refused the credentials (HTTP 401)"), "\(bad.stderr)")
        withExtendedLifetime((registry, proxy)) {}
    }

    @Test("interop with skopeo both ways")
    func skopeo() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let registry = try TestRegistry()
        let ours = "\(registry.host)/interop/ours:v1"
        try Self.push(box, TestPaths.example("xdp_counter"), to: ours)
        let inspect = try Shell.sh("skopeo inspect --tls-verify=false docker://\(ours)")
        #expect(inspect.contains("io.ebpf.programs"))
        #expect(inspect.contains(#"{\"xdp_stats\":\"xdp\"}"#), "\(inspect)")
        let copyDir = box.base + "/skopeo-copy"
        try Shell.sh("skopeo copy --src-tls-verify=false docker://\(ours) oci:\(copyDir):v1")
        #expect(FileManager.default.fileExists(atPath: copyDir + "/index.json"))

        // Our builder writes an OCI layout; skopeo pushes it; we load it.
        let layout = box.base + "/layout"
        let built = try box.cli(["image", "build", "-b", TestPaths.example("xdp_counter"), "-t", "interop/theirs:v2", "--oci-layout", layout])
        #expect(built.ok, "\(built.stderr)")
        let theirs = "\(registry.host)/interop/theirs:v2"
        try Shell.sh("skopeo copy --dest-tls-verify=false oci:\(layout):v2 docker://\(theirs)")
        let r = try Self.loadXdp(box, theirs, veth)
        #expect(r.ok, "\(r.stderr)")
        #expect(try box.cli(["unload", "\(try Self.entry(r).kernel.id)"]).ok)
        withExtendedLifetime(registry) {}
    }

    @Test("an image index: the host's platform is picked; generate-build-args prints the labels")
    func indexAndBuildArgs() async throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let settings = RegistrySettings()
        let host = try ImageBuilder.build(objectPath: TestPaths.example("tracepoint_counter"))
        let other = try ImageBuilder.build(objectPath: TestPaths.example("kprobe_counter"))
        let client = try RegistryClient(settings: settings, auth: nil)
        var platforms: [Descriptor] = []
        for (image, arch) in [(other, "s390x"), (host, BytecodeLabels.hostArchitecture)] {
            let byDigest = try ImageReference(parsing: "\(registry.host)/multi/tp@\(image.manifestDigest)")
            _ = try await client.push(blob: image.layer, to: byDigest)
            _ = try await client.push(blob: image.config, to: byDigest)
            try await client.push(manifest: image.manifest, mediaType: MediaType.ociManifest, to: byDigest)
            var d = Descriptor(mediaType: MediaType.ociManifest, digest: image.manifestDigest, size: image.manifest.count)
            d.platform = .init(architecture: arch, os: "linux", variant: nil)
            platforms.append(d)
        }
        let index = try JSONEncoder().encode(ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: platforms))
        try await client.push(manifest: [UInt8](index), mediaType: MediaType.ociIndex, to: try ImageReference(parsing: "\(registry.host)/multi/tp:v1"))
        await client.shutdown()
        let pulled = try await ImageManager(cache: ImageCache(root: box.imageCache), settings: settings)
            .pull("\(registry.host)/multi/tp:v1", policy: .always, auth: nil)
        #expect(pulled.manifestDigest == host.manifestDigest)
        #expect(pulled.programs == ["tracepoint_openat": "tracepoint"])

        let args = try box.cli(["image", "generate-build-args", "-b", TestPaths.example("tracepoint_counter")])
        #expect(args.ok)
        #expect(args.stdout.contains("PROGRAMS={\"tracepoint_openat\":\"tracepoint\"}\n"))
        #expect(args.stdout.contains("MAPS={\"tracepoint_stats_map\":\"array\"}\n"))
        withExtendedLifetime(registry) {}
    }

    @Test("bad images fail clearly and leave the cache, pins and records clean")
    func badImages() async throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let registry = try TestRegistry()
        let settings = RegistrySettings()
        func pushRaw(_ image: ImageBuilder.Image, _ name: String) async throws -> String {
            let ref = "\(registry.host)/bad/\(name):v1"
            try await ImageBuilder.push(image, to: try ImageReference(parsing: ref), settings: settings, auth: nil)
            return ref
        }
        let good = "\(registry.host)/bad/good:v1"
        try Self.push(box, TestPaths.example("xdp_counter"), to: good)
        let elf = [UInt8](try #require(FileManager.default.contents(atPath: TestPaths.example("xdp_counter"))))
        let noLabels = try await pushRaw(ImageBuilder.build(fileName: "x.o", contents: elf, labels: [:]), "nolabels")
        let text = try await pushRaw(ImageBuilder.build(fileName: "README", contents: Array("hello\n".utf8),
                                                        labels: [BytecodeLabels.programs: #"{"xdp_stats":"xdp"}"#]), "text")
        let corrupt = try RegistryProxy(upstream: registry, flags: ["--corrupt-blobs"])
        let garbage = try RegistryProxy(upstream: registry, flags: ["--garbage-manifests"])
        let cases: [(String, [String], [String: String], String)] = [
            ("unknown tag", ["-i", "\(registry.host)/bad/good:nope"], [:], "image \(registry.host)/bad/good:nope not found"),
            ("malformed manifest", ["-i", "\(garbage.host)/bad/good:v1"], [:], "has a malformed manifest"),
            ("blob digest mismatch", ["-i", "\(corrupt.host)/bad/good:v1"], [:], "does not match its digest"),
            ("no labels", ["-i", noLabels], [:], "is not a bpfman bytecode image: it has no io.ebpf.programs label"),
            ("not bytecode", ["-i", text], [:], "the layer's file README is not an ELF object"),
            ("over the size limit", ["-i", good], ["BPFMAN_MAX_LAYER_BYTES": "300"], "larger than the 300-byte limit"),
            ("bad reference", ["-i", "quay.io//x"], [:], "invalid image reference"),
            // Last: the good image is then in the cache, as it should be.
            ("function not in image", ["-i", good, "-n", "nope"], [:], "program nope not found in bytecode image"),
        ]
        for (name, args, env, message) in cases {
            var full = ["load", "image", "-p", "Always"] + args
            if !args.contains("-n") { full += ["-n", "xdp_stats"] }
            let r = try box.cli(full + ["xdp", "-i", veth.host, "-p", "50"], env: env)
            #expect(!r.ok, "\(name): succeeded")
            #expect(r.stderr.contains(message), "\(name): \(r.stderr)")
            #expect(ImageCache(root: box.imageCache).referenceFiles().isEmpty || name == "function not in image",
                    "\(name): left a cache entry")
            #expect(box.pins().isEmpty, "\(name): left pins")
            #expect(try box.records().isEmpty, "\(name): left a record")
        }
        let leftovers = (FileManager.default.enumerator(atPath: box.imageCache)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left in the cache: \(leftovers)")
        withExtendedLifetime((registry, corrupt, garbage)) {}
    }
}
