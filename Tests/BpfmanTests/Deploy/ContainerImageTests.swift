import BpfmanRPC
import Foundation
import Testing
import TestHelpers
import Yams

/// `make build-images` for real, on this machine, with no registry to pull
/// from: the three images built from the Dockerfiles (Debian's podman, its
/// bases made with debootstrap), written as OCI archives, their contents
/// read from the archives, run under a private containerd (Debian's
/// containerd and runc), pushed to Debian's docker-registry. The images
/// carry the binaries of the tree's debug build (`swift build`, which `make
/// test` ran), linked again with the Swift runtime static.
@Suite("Container images: make build-images, containerd, make push-images", .serialized,
       .enabled(if: Tier.kernel, "needs root: podman, containerd and BPF"))
struct ContainerImageTests {
    /// The images, built once for the suite.
    final class Built: @unchecked Sendable {
        let dir: String
        var storageConf: String { dir + "/storage.conf" }
        var archives: String { dir + "/archives" }
        let log: String

        init() throws {
            // The suite's fixture lives as long as the test process; an earlier run's is removed here.
            _ = try? Shell.sh("for d in /tmp/bpfman-images-*; do [ -d \"$d\" ] || continue; umount -R \"$d\"/store/graph/overlay 2>/dev/null; rm -rf \"$d\"; done; true")
            dir = "/tmp/bpfman-images-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir + "/store", withIntermediateDirectories: true)
            try "[storage]\ndriver = \"overlay\"\ngraphroot = \"\(dir)/store/graph\"\nrunroot = \"\(dir)/store/run\"\n"
                .write(toFile: dir + "/storage.conf", atomically: true, encoding: .utf8)
            let r = try Shell.run("/usr/bin/make", ["-C", TestPaths.root, "--no-print-directory", "build-images", "OCI_BIN=podman",
                                                    "IMAGES_DIR=\(dir)/archives"],
                               // `swift test` holds the build directory's lock, and its build is current.
                               env: ["CONTAINERS_STORAGE_CONF": dir + "/storage.conf", "REUSE_BUILD": "1",
                                     // The debug build this test run made, never a release build left from earlier.
                                     "BUILD_CONF": "debug"])
            log = r.stdout + r.stderr
            print(log.split(separator: "\n").filter { $0.hasPrefix("build-images:") }.joined(separator: "\n"))
            guard r.ok else { throw Shell.ShellError(command: "make build-images", result: r) }
        }

        func podman(_ args: [String]) throws -> Shell.Result {
            try Shell.run(Which.path("podman"), args, env: ["CONTAINERS_STORAGE_CONF": storageConf])
        }

        deinit {
            _ = try? podman(["rmi", "-a", "-f"])
            _ = try? Shell.sh("umount -R \(dir)/store/graph/overlay 2>/dev/null; true")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    nonisolated(unsafe) static var built: Result<Built, Error>?
    static let lock = NSLock()
    static func images() throws -> Built {
        try lock.withLock {
            if built == nil { built = Result { try Built() } }
            return try built!.get()
        }
    }

    /// An image's files: every layer of its OCI archive unpacked in order into one tree.
    static func unpack(_ archive: String, into dir: String) throws {
        try Shell.sh("""
            set -e; rm -rf \(dir); mkdir -p \(dir)/oci \(dir)/root; tar -xf \(archive) -C \(dir)/oci
            m=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' \(dir)/oci/index.json)
            for l in $(python3 -c 'import json,sys; print(" ".join(x["digest"].split(":")[1] for x in json.load(open(sys.argv[1]))["layers"]))' \(dir)/oci/blobs/sha256/$m); do
              tar -xf \(dir)/oci/blobs/sha256/$l -C \(dir)/root
            done
            """)
    }

    static func skopeo(_ ref: String) throws -> [String: Any] {
        let r = try Shell.run(Which.path("skopeo"), ["inspect", "--tls-verify=false", ref])
        guard r.ok, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw Shell.ShellError(command: "skopeo inspect \(ref)", result: r)
        }
        return json
    }

    static let binaries = ["operator": ["/usr/local/bin/bpfman-operator"], "agent": ["/usr/local/bin/bpfman-agent"],
                           "bpfman": ["/usr/local/bin/bpfman-rpc", "/usr/local/bin/bpfman"]]

    @Test("the three images build from this clone with no registry reachable; labels as upstream's; binaries that need nothing from /opt/swift; the operator's templates and every command the manifests run are in them")
    func contents() throws {
        let built = try Self.images()
        #expect(built.log.contains("cannot be pulled") || built.log.contains("using the binaries"), "\(built.log)")
        let daemonSet = try #require(try Yams.load(yaml: try String(contentsOfFile: TestPaths.root + "/config/bpfman-deployment/daemonset.yaml", encoding: .utf8)) as? [String: Any])
        let containers = (((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]] ?? []
        func command(_ name: String) -> String? { (containers.first { $0["name"] as? String == name }?["command"] as? [String])?.first }
        let deployment = try String(contentsOfFile: TestPaths.root + "/config/bpfman-operator-deployment/deployment.yaml", encoding: .utf8)
        let operatorCommand = try #require(deployment.firstMatch(of: /command: \[([^\]]+)\]/).map { String($0.1) })
        let must: [String: [String]] = [
            "operator": [operatorCommand, "/config/bpfman-deployment/daemonset.yaml", "/config/bpfman-deployment/csidriverinfo.yaml",
                         "/config/openshift/restricted-scc.yaml", "/etc/ssl/certs/ca-certificates.crt"],
            "agent": [try #require(command("bpfman-agent")), "/bpfman-agent", "/etc/ssl/certs/ca-certificates.crt"],
            "bpfman": [try #require(command("bpfman")), "/usr/local/bin/bpfman", "/usr/lib/bpfman/dispatchers/xdp_dispatcher_v2.bpf.o",
                       "/usr/lib/bpfman/dispatchers/tc_dispatcher.bpf.o"],
        ]
        for (image, paths) in must {
            let archive = "\(built.archives)/\(image).tar"
            let info = try Self.skopeo("oci-archive:\(archive)")
            let labels = info["Labels"] as? [String: String] ?? [:]
            #expect(labels["org.opencontainers.image.version"] == "0.5.6" && labels["version"] == "0.5.6", "\(image): \(labels)")
            #expect(labels["org.opencontainers.image.source"] == "https://github.com/bpfman/bpfman-operator")
            #expect(labels["org.opencontainers.image.title"]?.hasPrefix("bpfman") == true)
            let root = "\(built.dir)/unpacked-\(image)"
            try Self.unpack(archive, into: root)
            for p in paths {
                // Upstream's command paths are links to /usr/local/bin: resolved inside the image, not on this machine.
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/root" + p)).map { $0.hasPrefix("/") ? root + "/root" + $0 : $0 }
                #expect(FileManager.default.fileExists(atPath: target ?? root + "/root" + p), "\(image) has no \(p)")
            }
            // No shell, no package manager: the runtime is the binaries and their libraries.
            #expect(!FileManager.default.fileExists(atPath: root + "/root/bin/sh") && !FileManager.default.fileExists(atPath: root + "/root/usr/bin/apt-get"))
            for binary in Self.binaries[image] ?? [] {
                let ldd = try Shell.run("/usr/bin/ldd", [root + "/root" + binary])
                #expect(ldd.ok, "\(ldd.stderr)")
                #expect(!ldd.stdout.contains("/opt/swift") && !ldd.stdout.contains("libswift") && !ldd.stdout.contains("libFoundation"),
                        "\(image) \(binary) links the Swift runtime dynamically:\n\(ldd.stdout)")
                // Every library it does load is in the image.
                for lib in ldd.stdout.split(separator: "\n").compactMap({ $0.split(separator: " ").first.map(String.init) })
                where lib.hasPrefix("lib") {
                    let found = ["/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/aarch64-linux-gnu/", "/usr/lib/aarch64-linux-gnu/"]
                        .contains { FileManager.default.fileExists(atPath: root + "/root" + $0 + lib) }
                    #expect(found, "\(image): \(binary) loads \(lib), which the image lacks")
                }
            }
        }
        let user = try built.podman(["image", "inspect", "--format", "{{.Config.User}}", "quay.io/bpfman/bpfman-operator:latest"])
        #expect(user.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "65532:65532", "the operator runs as non-root: \(user.stdout)")
    }

    @Test("under a private containerd: the operator and agent answer --help; bpfman-rpc serves List on a socket inside a container with the template's mounts to a client outside; bpfman loads an XDP program from a privileged container in the test's own netns")
    func runUnderContainerd() async throws {
        let built = try Self.images()
        let ctrd = try PrivateContainerd()
        for image in ["operator", "agent", "bpfman"] {
            let r = try ctrd.ctr(["images", "import", "\(built.archives)/\(image).tar"])
            #expect(r.ok, "\(r.stderr)")
        }
        for (image, ref, binary) in [("operator", "quay.io/bpfman/bpfman-operator:latest", "/bpfman-operator"),
                                     ("agent", "quay.io/bpfman/bpfman-agent:latest", "/usr/local/bin/bpfman-agent")] {
            let r = try ctrd.ctr(["run", "--rm", ref, "help-\(image)", binary, "--help"])
            #expect(r.ok && r.stdout.contains("OVERVIEW:"), "\(image): \(r.stdout) \(r.stderr)")
        }

        // The DaemonSet's bpfman container: /run/bpfman-sock, /run/bpfman (bpffs below), /var/lib/bpfman, /tmp from the node.
        let node = ctrd.dir + "/node"
        for d in ["bpfman-sock", "runtime/fs", "content", "tmp"] {
            try FileManager.default.createDirectory(atPath: "\(node)/\(d)", withIntermediateDirectories: true)
        }
        try Shell.sh("mount -t bpf bpf \(node)/runtime/fs")
        func bind(_ src: String, _ dst: String, _ mode: String = "rw") -> [String] {
            ["--mount", "type=bind,src=\(src),dst=\(dst),options=rbind:\(mode)"]
        }
        let mounts = bind("\(node)/bpfman-sock", "/run/bpfman-sock") + bind("\(node)/runtime", "/run/bpfman")
            + bind("\(node)/content", "/var/lib/bpfman") + bind("\(node)/tmp", "/tmp")
        let rpc = try ctrd.ctr(["run", "-d", "--privileged"] + mounts
                               + ["quay.io/bpfman/bpfman:latest", "bpfman-rpc", "/usr/local/bin/bpfman-rpc", "--timeout=0"])
        #expect(rpc.ok, "\(rpc.stderr)")
        let socket = "\(node)/bpfman-sock/bpfman.sock"
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(100)) }
        // bpfman's own programs only: the kernel may hold others (other tests', the machine's).
        let managed = { () -> Bpfman_V1_ListRequest in var r = Bpfman_V1_ListRequest(); r.bpfmanProgramsOnly = true; return r }()
        let programs = try await BpfmanClient.withClient(socketPath: socket, defaultTimeout: .seconds(20)) { try await $0.list(managed) }
        #expect(programs.isEmpty, "a fresh bpfman-rpc lists nothing: \(programs)")

        // The CLI in the same image, privileged, in the test's own network namespace.
        let veth = try VethPair()
        let examples = TestPaths.bpfDirectory + "/examples"
        let load = try ctrd.ctr(["run", "--rm", "--privileged", "--with-ns", "network:\(veth.netnsPath)"] + bind(examples, "/examples", "ro")
                                + bind("\(node)/runtime", "/run/bpfman")
                                + ["quay.io/bpfman/bpfman:latest", "bpfman-cli", "/usr/local/bin/bpfman", "load", "file", "-p",
                                   "/examples/xdp_counter.bpf.o", "-n", "xdp_stats", "xdp", "-i", veth.peer, "-p", "50"])
        #expect(load.ok, "\(load.stdout) \(load.stderr)")
        let link = try Shell.sh("ip -n \(veth.namespace) -d link show dev \(veth.peer)")
        #expect(link.contains("xdp"), "no XDP program on \(veth.peer) in \(veth.namespace): \(link)")
        #expect(!(try Shell.sh("ip -d link show dev \(veth.host)")).contains("prog/xdp"), "the machine's side was attached to")
        // bpfman-rpc in the other container sees it: the same state through the node's /run/bpfman.
        let listed = try await BpfmanClient.withClient(socketPath: socket) { try await $0.list(managed) }
        let id = try #require(listed.first?.kernelInfo.id)
        #expect(listed.count == 1 && listed.first?.info.name == "xdp_stats")
        try await BpfmanClient.withClient(socketPath: socket) { try await $0.unload(id: id) }
        #expect(!(try Shell.sh("ip -n \(veth.namespace) -d link show dev \(veth.peer)")).contains("prog/xdp"))
        _ = try ctrd.ctr(["tasks", "kill", "-s", "SIGTERM", "bpfman-rpc"])
        try await Task.sleep(for: .milliseconds(500))
        _ = try? Shell.sh("umount \(node)/runtime/fs")
    }

    @Test("make push-images to a local docker-registry: skopeo sees the three images with their labels; make bundle-build builds the bundle image with the same tool")
    func pushAndBundle() throws {
        let built = try Self.images()
        let registry = try TestRegistry()
        let names = ["operator": ("quay.io/bpfman/bpfman-operator:latest", "\(registry.host)/bpfman/bpfman-operator:test"),
                     "agent": ("quay.io/bpfman/bpfman-agent:latest", "\(registry.host)/bpfman/bpfman-agent:test"),
                     "bpfman": ("quay.io/bpfman/bpfman:latest", "\(registry.host)/bpfman/bpfman:test")]
        for (_, (from, to)) in names { #expect(try built.podman(["tag", from, to]).ok) }
        let env = ["CONTAINERS_STORAGE_CONF": built.storageConf]
        let push = try Shell.run("/usr/bin/make", ["-C", TestPaths.root, "--no-print-directory", "push-images", "OCI_BIN=podman",
                                                   "BPFMAN_OPERATOR_IMG=\(names["operator"]!.1)", "BPFMAN_AGENT_IMG=\(names["agent"]!.1)",
                                                   "BPFMAN_IMG=\(names["bpfman"]!.1)"], env: env)
        #expect(push.ok, "\(push.stdout) \(push.stderr)")
        for (_, (_, ref)) in names {
            let info = try Self.skopeo("docker://\(ref)")
            #expect((info["Labels"] as? [String: String])?["org.opencontainers.image.version"] == "0.5.6", "\(ref): \(info)")
        }
        let bundle = try Shell.run("/usr/bin/make", ["-C", TestPaths.root, "--no-print-directory", "bundle-build", "OCI_BIN=podman",
                                                     "BUNDLE_IMG=localhost/bpfman-operator-bundle:test"], env: env)
        #expect(bundle.ok, "\(bundle.stderr)")
        let labels = try built.podman(["image", "inspect", "--format", "{{json .Labels}}", "localhost/bpfman-operator-bundle:test"])
        #expect(labels.stdout.contains("operators.operatorframework.io.bundle.package.v1"), "\(labels.stdout)")
        withExtendedLifetime(registry) {}
    }
}
