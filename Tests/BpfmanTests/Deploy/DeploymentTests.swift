import Foundation
import Testing
import TestHelpers
import Yams

/// config/, the OLM bundle, the Dockerfiles and the Makefile: what `make deploy`,
/// `make bundle` and the image builds use, checked with kubectl's own kustomize
/// and kubesim.
@Suite("Deployment: config/ overlays, the OLM bundle, Dockerfiles, make help", .serialized)
struct DeploymentTests {
    typealias Object = [String: Any]
    let root = TestPaths.root

    func kustomize(_ dir: String) throws -> (Shell.Result, [Object]) {
        let r = try Shell.run(Which.path("kubectl"), ["kustomize", root + "/config/" + dir])
        guard r.ok else { return (r, []) }
        return (r, try Yams.load_all(yaml: r.stdout).compactMap { $0 as? Object })
    }

    static func find(_ docs: [Object], _ kind: String, _ name: String) -> Object? {
        docs.first { $0["kind"] as? String == kind && ($0["metadata"] as? Object)?["name"] as? String == name }
    }

    static func container(_ deployment: Object?, _ name: String) -> Object? {
        let spec = ((deployment?["spec"] as? Object)?["template"] as? Object)?["spec"] as? Object
        return (spec?["containers"] as? [Object])?.first { $0["name"] as? String == name }
    }

    @Test("kubectl kustomize renders config/default, config/openshift and config/test; default has the operator, RBAC, CRDs and bpfman-config with upstream's keys")
    func overlaysRender() throws {
        let (r, defaults) = try kustomize("default")
        #expect(r.ok, "config/default: \(r.stderr)")
        let crds = defaults.filter { $0["kind"] as? String == "CustomResourceDefinition" }
        #expect(crds.count == 16)
        let operatorDeployment = Self.find(defaults, "Deployment", "bpfman-operator")
        #expect((operatorDeployment?["metadata"] as? Object)?["namespace"] as? String == "bpfman")
        let op = Self.container(operatorDeployment, "bpfman-operator")
        #expect(op?["args"] as? [String] == ["--health-probe-bind-address=:8175", "--metrics-bind-address=127.0.0.1:8174", "--leader-elect"])
        #expect(op?["image"] as? String == "quay.io/bpfman/bpfman-operator:latest")
        #expect(Self.container(operatorDeployment, "kube-rbac-proxy") != nil, "the auth proxy patch adds the sidecar")
        for (kind, name) in [("ClusterRole", "bpfman-agent-role"), ("ClusterRole", "bpfman-operator-role"),
                             ("ClusterRoleBinding", "bpfman-operator-rolebinding"), ("ServiceAccount", "bpfman-operator"),
                             ("ServiceAccount", "bpfman-daemon"), ("Role", "bpfman-leader-election-role"), ("Namespace", "bpfman"),
                             ("Service", "bpfman-controller-manager-metrics-service")] {
            #expect(Self.find(defaults, kind, name) != nil, "config/default lacks \(kind) \(name)")
        }
        #expect(!defaults.contains { $0["kind"] as? String == "DaemonSet" }, "the operator makes the DaemonSet, kustomize must not")
        let config = Self.find(defaults, "ConfigMap", "bpfman-config")
        let data = config?["data"] as? [String: String] ?? [:]
        #expect(Set(data.keys) == ["bpfman.agent.image", "bpfman.image", "bpfman.agent.log.level", "bpfman.log.level",
                                   "bpfman.agent.healthprobe.addr", "bpfman.agent.metric.addr", "bpfman.toml"])
        #expect(data["bpfman.image"] == "quay.io/bpfman/bpfman:latest")
        #expect(data["bpfman.agent.metric.addr"] == "127.0.0.1:8174")

        let (o, openshift) = try kustomize("openshift")
        #expect(o.ok, "config/openshift: \(o.stderr)")
        let labels = (Self.find(openshift, "Namespace", "bpfman")?["metadata"] as? Object)?["labels"] as? [String: String]
        #expect(labels?["pod-security.kubernetes.io/enforce"] == "privileged")
        #expect(Self.find(openshift, "ClusterRoleBinding", "bpfman-privileged-scc") != nil)
        #expect(Self.find(openshift, "ClusterRole", "bpfman-user") != nil)

        let (t, test) = try kustomize("test")
        #expect(t.ok, "config/test: \(t.stderr)")
        #expect(Self.container(Self.find(test, "Deployment", "bpfman-operator"), "bpfman-operator")?["image"] as? String
                == "quay.io/bpfman/bpfman-operator:int-test")
        #expect((Self.find(test, "ConfigMap", "bpfman-config")?["data"] as? [String: String])?["bpfman.agent.image"]
                == "quay.io/bpfman/bpfman-agent:int-test")
    }

    @Test("the rendered config/default applies cleanly to kubesim; hack/kustomize-render puts BPFMAN_*_IMG in")
    func defaultApplies() async throws {
        let sim = try await KubeSimProcess()
        defer { sim.stop() }
        let rendered = try Shell.run(root + "/hack/kustomize-render", ["default", "registry.test:5000/op:v7", "registry.test:5000/bpfman:v7",
                                                                       "registry.test:5000/agent:v7"])
        #expect(rendered.ok, "\(rendered.stderr)")
        let applied = try await sim.kubectl(["apply", "-f", "-"], stdin: rendered.stdout)
        #expect(applied.ok, "apply: \(applied.stderr)")
        let config = try await sim.kubectl(["get", "configmap", "bpfman-config", "-n", "bpfman", "-o", "jsonpath={.data.bpfman\\.image} {.data.bpfman\\.agent\\.image}"])
        #expect(config.stdout == "registry.test:5000/bpfman:v7 registry.test:5000/agent:v7")
        let image = try await sim.kubectl(["get", "deployment", "bpfman-operator", "-n", "bpfman",
                                           "-o", "jsonpath={.spec.template.spec.containers[?(@.name==\"bpfman-operator\")].image}"])
        #expect(image.stdout == "registry.test:5000/op:v7")
        let crds = try await sim.kubectl(["get", "crd", "-o", "name"])
        #expect(crds.stdout.split(separator: "\n").count == 16)
        // A second apply changes nothing (the manifests are stable).
        let again = try await sim.kubectl(["apply", "-f", "-"], stdin: rendered.stdout)
        #expect(again.ok && !again.stdout.contains("configured"), "\(again.stdout)")
        let missing = try Shell.run(root + "/hack/kustomize-render", ["nonesuch"])
        #expect(!missing.ok && missing.stderr.contains("config/nonesuch/kustomization.yaml does not exist"))
    }

    func bundleFile(_ path: String) throws -> String {
        try String(contentsOfFile: root + "/bundle/" + path, encoding: .utf8)
    }

    @Test("the committed bundle is current (make verify-bundle) and says what OLM needs: owned CRDs, install modes, metadata keys, the kustomize Deployment")
    func bundleIsCurrentAndComplete() throws {
        // make verify-bundle's script with the tool this test run was built with
        // (a `swift build` inside `swift test` would wait on the build lock).
        let dir = NSTemporaryDirectory() + "bundle-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Shell.run(root + "/hack/generate-bundle", [TestPaths.binary("bpfman-manifests"), dir],
                                 env: ["VERSION": "0.5.6", "BPFMAN_OPERATOR_IMG": "quay.io/bpfman/bpfman-operator:latest",
                                       "BPFMAN_IMG": "quay.io/bpfman/bpfman:latest", "BPFMAN_AGENT_IMG": "quay.io/bpfman/bpfman-agent:latest",
                                       "CHANNELS": "alpha", "DEFAULT_CHANNEL": ""])
        try #require(made.ok, "\(made.stderr)")
        let diff = try Shell.run("/usr/bin/diff", ["-ru", dir + "/bundle", root + "/bundle"])
        #expect(diff.ok, "the committed bundle is not what make bundle makes now:\n\(diff.stdout)")
        #expect(try Shell.run("/usr/bin/diff", ["-u", dir + "/bundle.Dockerfile", root + "/bundle.Dockerfile"]).ok)
        let csv = try #require(try Yams.load(yaml: try bundleFile("manifests/bpfman-operator.clusterserviceversion.yaml")) as? Object)
        let spec = try #require(csv["spec"] as? Object)
        #expect(spec["version"] as? String == "0.5.6")
        #expect((csv["metadata"] as? Object)?["name"] as? String == "bpfman-operator.v0.5.6")
        let owned = ((spec["customresourcedefinitions"] as? Object)?["owned"] as? [Object] ?? []).compactMap { $0["name"] as? String }
        let bases = try FileManager.default.contentsOfDirectory(atPath: root + "/config/crd/bases").filter { $0.hasSuffix(".yaml") }
        let crdNames = bases.map { f -> String in
            let plural = f.dropFirst("bpfman.io_".count).dropLast(".yaml".count)
            return "\(plural).bpfman.io"
        }
        #expect(Set(owned) == Set(crdNames) && owned.count == 16, "every CRD is owned by the CSV")
        for f in bases { #expect(FileManager.default.fileExists(atPath: root + "/bundle/manifests/" + f), "bundle/manifests/\(f)") }
        let modes = (spec["installModes"] as? [Object] ?? []).reduce(into: [String: Bool]()) { $0[$1["type"] as? String ?? ""] = $1["supported"] as? Bool }
        #expect(modes == ["OwnNamespace": false, "SingleNamespace": false, "MultiNamespace": false, "AllNamespaces": true])
        let install = try #require((spec["install"] as? Object))
        #expect(install["strategy"] as? String == "deployment")
        let installSpec = try #require(install["spec"] as? Object)
        let deployment = try #require((installSpec["deployments"] as? [Object])?.first)
        #expect(deployment["name"] as? String == "bpfman-operator")
        let (_, openshift) = try kustomize("openshift")
        let kustomized = try #require(Self.find(openshift, "Deployment", "bpfman-operator")?["spec"] as? Object)
        func canonical(_ o: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(try canonical(deployment["spec"] ?? [:]) == canonical(kustomized), "the CSV's Deployment is the kustomize one")
        #expect(try canonical(deployment["spec"] ?? [:]).contains("--leader-elect"))
        let clusterRules = (installSpec["clusterPermissions"] as? [Object] ?? []).flatMap { $0["rules"] as? [Object] ?? [] }
        #expect(clusterRules.contains { ($0["resources"] as? [String])?.contains("daemonsets") == true }, "the operator role is a cluster permission")
        #expect((installSpec["permissions"] as? [Object] ?? []).flatMap { $0["rules"] as? [Object] ?? [] }
            .contains { ($0["resources"] as? [String])?.contains("leases") == true }, "leader election is a namespaced permission")
        #expect(!FileManager.default.fileExists(atPath: root + "/bundle/manifests/bpfman-operator_v1_serviceaccount.yaml"), "OLM makes the operator's ServiceAccount")

        let annotations = try #require((try Yams.load(yaml: try bundleFile("metadata/annotations.yaml")) as? Object)?["annotations"] as? [String: String])
        for key in ["operators.operatorframework.io.bundle.mediatype.v1", "operators.operatorframework.io.bundle.manifests.v1",
                    "operators.operatorframework.io.bundle.metadata.v1", "operators.operatorframework.io.bundle.package.v1",
                    "operators.operatorframework.io.bundle.channels.v1", "operators.operatorframework.io.test.config.v1"] {
            #expect(annotations[key] != nil, "annotations.yaml lacks \(key)")
        }
        #expect(annotations["operators.operatorframework.io.bundle.mediatype.v1"] == "registry+v1")
        let dockerfile = try String(contentsOfFile: root + "/bundle.Dockerfile", encoding: .utf8)
        for (k, v) in annotations { #expect(dockerfile.contains("LABEL \(k)=\(v)"), "bundle.Dockerfile lacks the label \(k)") }
        let scorecard = try #require(try Yams.load(yaml: try bundleFile("tests/scorecard/config.yaml")) as? Object)
        let tests = ((scorecard["stages"] as? [Object])?.first?["tests"] as? [Object]) ?? []
        #expect(tests.count == 6, "basic + 5 olm scorecard tests")
    }

    @Test("alm-examples: 14 samples that decode and pass the CRD schemas in kubesim; a broken one is refused naming the field")
    func almExamplesValidate() async throws {
        let csv = try #require(try Yams.load(yaml: try bundleFile("manifests/bpfman-operator.clusterserviceversion.yaml")) as? Object)
        let text = try #require(((csv["metadata"] as? Object)?["annotations"] as? [String: String])?["alm-examples"])
        let examples = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Object])
        #expect(examples.count == 14)
        let sim = try await KubeSimProcess()
        defer { sim.stop() }
        let crdFiles = try FileManager.default.contentsOfDirectory(atPath: root + "/bundle/manifests").filter { $0.hasPrefix("bpfman.io_") }
        #expect(crdFiles.count == 16)
        let crds = try await sim.kubectl(["apply"] + crdFiles.flatMap { ["-f", root + "/bundle/manifests/" + $0] })
        #expect(crds.ok, "the bundle's manifests apply: \(crds.stderr)")
        _ = try await sim.kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=30s"])
        _ = try await sim.kubectl(["create", "namespace", "acme"])
        for e in examples {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: e), as: UTF8.self)
            let r = try await sim.kubectl(["apply", "-f", "-"], stdin: json)
            #expect(r.ok, "\(e["kind"] ?? "?"): \(r.stderr)")
        }
        var bad = try #require(examples.first { $0["kind"] as? String == "XdpProgram" })
        var spec = bad["spec"] as? Object ?? [:]
        spec["priority"] = "first"
        bad["spec"] = spec
        (bad["metadata"] as? Object).map { var m = $0; m["name"] = "broken"; bad["metadata"] = m }
        let refused = try await sim.kubectl(["apply", "-f", "-"], stdin: String(decoding: try JSONSerialization.data(withJSONObject: bad), as: UTF8.self))
        #expect(!refused.ok && refused.stderr.contains("spec.priority"), "\(refused.stderr)")
    }

    @Test("bpfman-manifests bundle: bad input is a clear error and writes nothing")
    func bundleBadInput() throws {
        let tool = TestPaths.binary("bpfman-manifests")
        let dir = NSTemporaryDirectory() + "bundle-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n".write(toFile: dir + "/no-csv.yaml", atomically: true, encoding: .utf8)
        let noCSV = try Shell.run(tool, ["bundle", "--version", "1.0.0", "--input", dir + "/no-csv.yaml", "--out", dir])
        #expect(!noCSV.ok && noCSV.stderr.contains("no ClusterServiceVersion"), "\(noCSV.stderr)")
        var rendered = try Shell.run(root + "/hack/kustomize-render", ["manifests"]).stdout
        rendered += "---\napiVersion: bpfman.io/v1alpha1\nkind: WidgetProgram\nmetadata: {name: odd}\nspec: {}\n"
        try rendered.write(toFile: dir + "/odd.yaml", atomically: true, encoding: .utf8)
        let odd = try Shell.run(tool, ["bundle", "--version", "1.0.0", "--input", dir + "/odd.yaml", "--out", dir])
        #expect(!odd.ok && odd.stderr.contains("sample odd is a WidgetProgram"), "\(odd.stderr)")
        let noVersion = try Shell.run(tool, ["bundle", "--input", dir + "/odd.yaml", "--out", dir])
        #expect(!noVersion.ok && noVersion.stderr.contains("--version is required"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bundle") && !FileManager.default.fileExists(atPath: dir + "/bundle.Dockerfile"))
    }

    /// Dockerfile instructions with continuation lines joined.
    static func instructions(_ text: String) -> [(String, String)] {
        var out: [(String, String)] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("#") || (l.isEmpty && current.isEmpty) { continue }
            if l.hasSuffix("\\") { current += l.dropLast() + " "; continue }
            current += l
            if !current.isEmpty, let space = current.firstIndex(of: " ") {
                out.append((String(current[..<space]).uppercased(), String(current[current.index(after: space)...])))
            }
            current = ""
        }
        return out
    }

    @Test("Dockerfile.operator, .agent, .bpfman: COPY sources exist, build steps are make targets CI runs, products and paths match the manifests")
    func dockerfiles() throws {
        let makefile = try String(contentsOfFile: root + "/Makefile", encoding: .utf8)
        let package = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        func recipe(_ target: String) -> String? {
            guard let r = makefile.range(of: "\n\(target):") else { return nil }
            return makefile[r.upperBound...].split(separator: "\n").prefix { $0.hasPrefix("\t") || !$0.contains(":") }.joined(separator: "\n")
        }
        // What `make test` (CI) runs to build: its prerequisites' tools.
        let ciBuild = (recipe("test") ?? "") + (recipe("deps") ?? "") + (recipe("build") ?? "")
        #expect(ciBuild.contains("hack/install-deps") && ciBuild.contains("$(SWIFT) build"))

        let daemonSet = try #require(try Yams.load(yaml: try String(contentsOfFile: root + "/config/bpfman-deployment/daemonset.yaml", encoding: .utf8)) as? Object)
        let dsContainers = (((daemonSet["spec"] as? Object)?["template"] as? Object)?["spec"] as? Object)?["containers"] as? [Object] ?? []
        func command(_ name: String) -> String? { (dsContainers.first { $0["name"] as? String == name }?["command"] as? [String])?.first }
        let operatorSource = try String(contentsOfFile: root + "/Sources/BpfmanOperator/BpfmanConfigReconciler.swift", encoding: .utf8)
        let templates = operatorSource.matches(of: /read\("([^"]+)"\)/).map { String($0.1) }
        #expect(templates.count == 3)

        // The build stage's one step is `make image-stage`, which compiles with CI's targets when nothing is staged.
        let stage = try String(contentsOfFile: root + "/hack/image-stage", encoding: .utf8)
        #expect(recipe("image-stage")?.contains("hack/image-stage") == true)
        #expect(stage.contains("make deps-build") && stage.contains("make release PRODUCT="), "hack/image-stage builds with other tools than CI's")
        #expect(recipe("deps-build")?.contains("hack/install-deps") == true && recipe("release")?.contains("$(SWIFT) build") == true)

        for (file, products, mustHave) in [("Dockerfile.operator", ["bpfman-operator"], ["/bpfman-operator"]),
                                           ("Dockerfile.agent", ["bpfman-agent"], [command("bpfman-agent") ?? "?"]),
                                           ("Dockerfile.bpfman", ["bpfman-rpc", "bpfman", "bpfman-image"],
                                            [command("bpfman") ?? "?", "/usr/local/bin/bpfman", "/usr/local/bin/bpfman-image"])] {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            let steps = Self.instructions(text)
            let froms = steps.enumerated().filter { $0.element.0 == "FROM" }.map(\.offset)
            #expect(froms.count == 3, "\(file): a build stage, a rootfs stage and the image")
            guard froms.count == 3 else { continue }
            #expect(steps[froms[2]].1 == "scratch", "\(file): the image starts empty")
            var files: [String] = []
            var built: [String] = []
            var links: [String] = []
            for (i, (op, args)) in steps.enumerated() {
                let words = args.split(separator: " ").map(String.init)
                if op == "COPY" {
                    let dest = words.last ?? ""
                    let sources = words.dropLast().filter { !$0.hasPrefix("--") }
                    files += dest.hasSuffix("/") ? sources.map { dest + ($0 as NSString).lastPathComponent } : [dest]
                    if words.first?.hasPrefix("--from=build") == true {
                        for src in sources where src.hasPrefix("/out/bin/") {
                            #expect(built.contains(String(src.dropFirst("/out/bin/".count))), "\(file): \(src) is put there by make image-stage")
                        }
                        continue
                    }
                    if words.first?.hasPrefix("--from") == true { continue }
                    for src in sources { #expect(FileManager.default.fileExists(atPath: root + "/" + src), "\(file): COPY source \(src) does not exist") }
                }
                if op == "RUN", i < froms[1] {
                    #expect(words.first == "make", "\(file): the build stage runs make targets only, not: RUN \(args)")
                    // Variable assignments (NAME=value, NAME="a b c") left out, the rest are targets.
                    let unquoted = args.replacing(/"[^"]*"/, with: "").split(separator: " ").map(String.init)
                    for target in unquoted.dropFirst() where !target.contains("=") && !target.hasPrefix("-") {
                        #expect(recipe(target) != nil, "\(file): make \(target) is no target of the Makefile")
                    }
                    if let m = args.firstMatch(of: /PRODUCTS="([^"]+)"/) { built += m.1.split(separator: " ").map(String.init) }
                }
                if op == "RUN", i > froms[1], i < froms[2] {
                    #expect(words.first == "image-rootfs", "\(file): the rootfs stage is hack/image-rootfs, not: RUN \(args)")
                    links += args.matches(of: /--link (\S+)=/).map { String($0.1) }
                    #expect(words.contains("ca-certificates"))
                    // Only bpfman-rpc and the CLI touch the kernel; libbpf needs the shared zlib, while the agent's and the
                    // operator's HTTP client has it linked in (hack/link-static).
                    for lib in ["libbpf1", "libelf1", "zlib1g"] {
                        #expect(words.contains(lib) == (file == "Dockerfile.bpfman"), "\(file): \(lib) only where the kernel is touched")
                    }
                }
            }
            #expect(Set(built) == Set(products), "\(file) builds \(built)")
            for p in products { #expect(package.contains(".executable(name: \"\(p)\""), "\(p) is a product of Package.swift") }
            for path in mustHave { #expect(files.contains(path) || links.contains(path), "\(file): the manifests run \(path), which the image must have") }
            let entry = steps.last { $0.0 == "ENTRYPOINT" }?.1 ?? ""
            #expect(files.contains { entry.contains("\"\($0)\"") }, "\(file): ENTRYPOINT \(entry) is a file the image has")
            if file == "Dockerfile.operator" {
                let user = steps.last { $0.0 == "USER" }?.1 ?? "root"
                #expect(!user.hasPrefix("0") && user != "root", "the operator runs as non-root")
                for t in templates { #expect(files.contains { $0.hasPrefix("/config/" + (t as NSString).deletingLastPathComponent) }, "the operator image carries \(t)") }
            }
        }
    }

    static let seedTargets = [
        "help", "kustomize", "controller-gen", "register-gen", "informer-gen", "lister-gen", "client-gen", "envtest", "opm",
        "manifests", "generate", "generate-register", "generate-deepcopy", "generate-typed-clients", "generate-typed-listers",
        "generate-typed-informers", "vendors", "fmt", "verify", "lint", "test", "test-integration", "bundle", "build-release-yamls",
        "build", "build-images", "build-operator-image", "build-agent-image", "push-images", "load-images-kind", "bundle-build",
        "bundle-push", "catalog-build", "catalog-push", "install", "uninstall", "setup-kind", "destroy-kind", "deploy", "undeploy",
        "kind-reload-images", "run-on-kind", "deploy-openshift", "undeploy-openshift", "catalog-deploy", "catalog-undeploy",
    ]

    @Test("the agent links no libbpf or libelf: it reaches the kernel only through bpfman-rpc")
    func agentLinksNoKernelLibraries() throws {
        let ldd = try Shell.run("/usr/bin/ldd", [TestPaths.binary("bpfman-agent")])
        #expect(ldd.ok, "\(ldd.stderr)")
        for lib in ["libbpf", "libelf"] { #expect(!ldd.stdout.contains(lib), "bpfman-agent links \(lib):\n\(ldd.stdout)") }
        // The same check passes for the right reason: bpfman-rpc does link them.
        let rpc = try Shell.run("/usr/bin/ldd", [TestPaths.binary("bpfman-rpc")])
        #expect(rpc.stdout.contains("libbpf") && rpc.stdout.contains("libelf"))
    }

    /// What the images carry is the build relinked by hack/link-static: the Swift runtime and zlib
    /// inside, so the agent's and operator's images install neither libbpf, libelf nor zlib1g.
    @Test("the agent and the operator as their images ship them load no kernel library, no zlib and no Swift runtime and export no symbol; a hot-function list orders their code; the CLI loads glibc alone")
    func shippedDaemonsLoadNoKernelOrZlib() throws {
        let dir = NSTemporaryDirectory() + "link-static-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for product in ["bpfman-agent", "bpfman-operator"] {
            let out = dir + "/" + product
            let link = try Shell.run(root + "/hack/link-static", ["debug", product, out], env: ["REUSE_BUILD": "1"])
            #expect(link.ok, "\(link.stderr)")
            let ldd = try Shell.run("/usr/bin/ldd", [out])
            #expect(ldd.ok && ldd.stdout.contains("libc.so.6"), "\(ldd.stdout)\(ldd.stderr)")
            for lib in ["libbpf", "libelf", "libz.so", "libswift", "libFoundation"] {
                #expect(!ldd.stdout.contains(lib), "\(product) as shipped loads \(lib):\n\(ldd.stdout)")
            }
            // Nothing exported: -static-stdlib's -export-dynamic would put ~38,000 symbols in the dynamic table.
            let exported = try Shell.run("/usr/bin/nm", ["-D", "--defined-only", out]).stdout.split(separator: "\n")
            #expect(exported.count < 50, "\(product) exports \(exported.count) symbols, e.g. \(exported.prefix(3))")
        }
        // The hot-function order (hack/hot-order): the listed functions are laid out first, in the list's order.
        // Two symbols of the operator as linked above, the one laid out last and the first: listed last-first, they swap.
        let syms = try Self.textSymbols(dir + "/bpfman-operator")
        let late = try #require(syms.last?.name), early = try #require(syms.first?.name)
        let list = dir + "/order.txt"
        try "\(late)\n\(early)\n".write(toFile: list, atomically: true, encoding: .utf8)
        #expect(try Shell.run("/bin/gzip", [list]).ok)
        let ordered = dir + "/bpfman-operator-ordered"
        let relink = try Shell.run(root + "/hack/link-static", ["debug", "bpfman-operator", ordered],
                                   env: ["REUSE_BUILD": "1", "LINK_STATIC_ORDER": list + ".gz"])
        #expect(relink.ok, "\(relink.stderr)")
        var addresses: [String: UInt64] = [:]
        for s in try Self.textSymbols(ordered) where s.name == late || s.name == early { addresses[s.name] = s.address }
        let lateAddress = try #require(addresses[late]), earlyAddress = try #require(addresses[early])
        #expect(lateAddress < earlyAddress, "\(addresses)")
        #expect(!FileManager.default.fileExists(atPath: ordered + ".order"), "the unpacked list is left behind")

        // bpfman's image keeps the shared zlib: its libbpf loads it.
        let rpc = dir + "/bpfman-rpc"
        #expect(try Shell.run(root + "/hack/link-static", ["debug", "bpfman-rpc", rpc], env: ["REUSE_BUILD": "1"]).ok)
        #expect(try Shell.run("/usr/bin/ldd", [rpc]).stdout.contains("libz.so"))

        // The CLI (bpfman, bpfman-image), a process per operation, has every library but glibc linked in: its start loads no other.
        for product in ["bpfman", "bpfman-image"] {
            let cli = dir + "/" + product
            let cliLink = try Shell.run(root + "/hack/link-static", ["debug", product, cli], env: ["REUSE_BUILD": "1"])
            #expect(cliLink.ok, "\(cliLink.stderr)")
            let loaded = try Shell.run("/usr/bin/ldd", [cli]).stdout.split(separator: "\n").compactMap { $0.split(whereSeparator: \.isWhitespace).first.map(String.init) }
            #expect(Set(loaded) == ["linux-vdso.so.1", "libm.so.6", "libc.so.6", "/lib64/ld-linux-x86-64.so.2"], "the shipped \(product) loads \(loaded)")
        }
        // As shipped, side by side: bpfman runs bpfman-image for the registry commands.
        let help = try Shell.run(dir + "/bpfman", ["image", "build", "--help"])
        #expect(help.ok && help.stdout.contains("USAGE: bpfman image build"), "\(help.stdout)\(help.stderr)")
    }

    /// The global Swift functions of an executable, by address.
    static func textSymbols(_ path: String) throws -> [(address: UInt64, name: String)] {
        let out = try Shell.run("/usr/bin/nm", ["-n", "--defined-only", path]).stdout
        var symbols: [(address: UInt64, name: String)] = []
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, f[1] == "T", f[2].hasPrefix("$s"), let address = UInt64(f[0], radix: 16) else { continue }
            symbols.append((address, String(f[2])))
        }
        return symbols
    }

    @Test("make help lists every target of upstream's make help (and run-local, stop-local), grouped under upstream's headings")
    func makeHelp() throws {
        let r = try Shell.run("/usr/bin/make", ["-C", root, "--no-print-directory", "help"])
        #expect(r.ok)
        let plain = r.stdout.replacing(/\u{1B}\[[0-9;]*m/, with: "")
        let listed = Set(plain.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        })
        for t in Self.seedTargets + ["run-local", "stop-local"] { #expect(listed.contains(t), "make help does not list \(t)") }
        for heading in ["General", "Local Dependencies", "Development", "Build", "CRD Deployment", "Vanilla K8s Deployment", "Openshift Deployment"] {
            #expect(plain.contains("\n\(heading)\n"), "make help lacks the heading \(heading)")
        }
    }

    @Test("targets whose tool is missing stop with a message naming it, never a silent success")
    func missingTools() throws {
        func make(_ args: [String], env: [String: String] = [:]) throws -> Shell.Result {
            try Shell.run("/usr/bin/make", ["-C", root, "--no-print-directory"] + args, env: env)
        }
        var checked = 0
        if Which.path("kind") == "/usr/bin/kind" && !FileManager.default.fileExists(atPath: "/usr/bin/kind") {
            for t in ["setup-kind", "destroy-kind", "load-images-kind"] {
                let r = try make([t], env: ["OCI_BIN": "docker-for-test"])
                #expect(!r.ok && r.stderr.contains("needs kind"), "\(t): \(r.stderr)")
                checked += 1
            }
        } else { print("missingTools: kind is installed here; its missing-tool message is not checked") }
        for t in ["build-images", "build-operator-image", "push-images", "bundle-build", "catalog-push"] {
            let r = try make([t, "OCI_BIN="])
            #expect(!r.ok && r.stderr.contains("needs docker or podman"), "\(t): \(r.stderr)")
            checked += 1
        }
        if !FileManager.default.fileExists(atPath: Which.path("opm")) {
            let r = try make(["catalog-build"])
            #expect(!r.ok && r.stderr.contains("needs opm"), "catalog-build: \(r.stderr)")
            checked += 1
        } else { print("missingTools: opm is installed here; its missing-tool message is not checked") }
        #expect(checked >= 5)
    }
}
