import BpfmanAPI
import Foundation
import KubeClient
import KubeSim
import TestHelpers
import Testing
import Yams

/// The bpfman.io/v1alpha1 API: generated CRDs, samples, compatibility and
/// validation, through kubesim and kubectl.
@Suite("bpfman.io API", .serialized)
struct APITests {
    static let root: String = {
        var d = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { d.deleteLastPathComponent() }
        return d.path
    }()
    static let samplesDir = root + "/config/samples"
    static var samples: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: samplesDir)) ?? []).filter { $0.hasPrefix("bpfman.io_") }.sorted()
    }

    /// A kubesim with the generated CRDs applied by kubectl, and namespaces for the samples.
    static func withCluster(_ body: (KubeSim, @escaping @Sendable ([String], String?) async throws -> Shell.Result) async throws -> Void) async throws {
        let sim = try await KubeSim.start()
        let dir = NSTemporaryDirectory() + "bpfman-api-" + UUID().uuidString
        let kc = try sim.writeKubeconfig(to: dir + "/kubeconfig")
        let kubectl: @Sendable ([String], String?) async throws -> Shell.Result = { args, stdin in
            try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", kc] + args, stdin: stdin)
        }
        do {
            let crds = try await kubectl(["apply", "-f", root + "/config/crd/bases"], nil)
            #expect(crds.ok, "\(crds.stderr)")
            let est = try await kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=20s"], nil)
            #expect(est.ok && est.stdout.components(separatedBy: "condition met").count - 1 == 16, "\(est.stdout)\(est.stderr)")
            for ns in ["acme", "bpfman"] {
                _ = try await kubectl(["apply", "-f", "-"], "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"\(ns)\"}}")
            }
            try await body(sim, kubectl)
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func json(fromYAMLFile path: String) throws -> JSON {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let any = try Yams.load(yaml: text)
        let data = try JSONSerialization.data(withJSONObject: any as Any, options: [.fragmentsAllowed])
        return try JSON.parse(Array(data))
    }

    @Test func generatedManifestsAreTheCommittedOnes() throws {
        let files = try Manifests.files()
        // 16 CRDs + their kustomization; 16 RBAC documents (agent, operator, leader election, metrics proxy, user roles) + theirs.
        #expect(files.count == 16 + 1 + 16 + 1)
        for (path, text) in files {
            let committed = try? String(contentsOfFile: Self.root + "/config/" + path, encoding: .utf8)
            #expect(committed == text, "config/\(path) is stale: run make manifests")
        }
    }

    @Test func samplesRoundTripThroughTheTypes() throws {
        #expect(Self.samples.count == 24)
        for file in Self.samples {
            let original = try Self.json(fromYAMLFile: Self.samplesDir + "/" + file)
            let data = Data(original.serialized())
            let kind = original["kind"]?.string ?? ""
            let reencoded: Data
            let enc = JSONEncoder()
            switch kind {
            case "XdpProgram": reencoded = try enc.encode(try JSONDecoder().decode(XdpProgram.self, from: data))
            case "XdpNsProgram": reencoded = try enc.encode(try JSONDecoder().decode(XdpNsProgram.self, from: data))
            case "TcProgram": reencoded = try enc.encode(try JSONDecoder().decode(TcProgram.self, from: data))
            case "TcNsProgram": reencoded = try enc.encode(try JSONDecoder().decode(TcNsProgram.self, from: data))
            case "TcxProgram": reencoded = try enc.encode(try JSONDecoder().decode(TcxProgram.self, from: data))
            case "TcxNsProgram": reencoded = try enc.encode(try JSONDecoder().decode(TcxNsProgram.self, from: data))
            case "TracepointProgram": reencoded = try enc.encode(try JSONDecoder().decode(TracepointProgram.self, from: data))
            case "KprobeProgram": reencoded = try enc.encode(try JSONDecoder().decode(KprobeProgram.self, from: data))
            case "UprobeProgram": reencoded = try enc.encode(try JSONDecoder().decode(UprobeProgram.self, from: data))
            case "UprobeNsProgram": reencoded = try enc.encode(try JSONDecoder().decode(UprobeNsProgram.self, from: data))
            case "FentryProgram": reencoded = try enc.encode(try JSONDecoder().decode(FentryProgram.self, from: data))
            case "FexitProgram": reencoded = try enc.encode(try JSONDecoder().decode(FexitProgram.self, from: data))
            case "BpfApplication": reencoded = try enc.encode(try JSONDecoder().decode(BpfApplication.self, from: data))
            case "BpfNsApplication": reencoded = try enc.encode(try JSONDecoder().decode(BpfNsApplication.self, from: data))
            default: Issue.record("\(file): unexpected kind \(kind)"); continue
            }
            #expect(try JSON.parse(Array(reencoded)) == original, "\(file) re-encodes differently")
        }
        // globaldata as a base64 string decodes too, to the same bytes.
        let b64 = #"{"apiVersion":"bpfman.io/v1alpha1","kind":"FentryProgram","metadata":{"name":"f"},"spec":{"bpffunctionname":"x","func_name":"y","nodeselector":{},"globaldata":{"G":"DQwLCg=="},"bytecode":{"path":"/p.o"}}}"#
        let f = try JSONDecoder().decode(FentryProgram.self, from: Data(b64.utf8))
        #expect(f.spec.globaldata?["G"]?.bytes == [13, 12, 11, 10] && f.spec.func_name == "y" && f.spec.bytecode.path == "/p.o")
    }

    @Test func samplesApplyAndReadBackWithDefaults() async throws {
        try await Self.withCluster { sim, kubectl in
            for file in Self.samples {
                let r = try await kubectl(["apply", "-f", Self.samplesDir + "/" + file], nil)
                #expect(r.ok, "\(file): \(r.stderr)")
                let original = try Self.json(fromYAMLFile: Self.samplesDir + "/" + file)
                let kind = original["kind"]?.string?.lowercased() ?? ""
                var args = ["get", kind, original["metadata"]?["name"]?.string ?? "", "-o", "json"]
                if let ns = original["metadata"]?["namespace"]?.string { args += ["-n", ns] }
                let got = try await kubectl(args, nil)
                let back = try JSON.parse(got.stdout)
                #expect(Self.contains(back["spec"] ?? .null, original["spec"] ?? .null), "\(file) reads back different: \(back["spec"]?.text ?? got.stderr)")
                if kind == "xdpprogram" || kind == "xdpnsprogram" {
                    #expect(back["spec"]?["proceedon"] == ["pass", "dispatcher_return"], "\(file): XDP proceed-on default")
                }
                if kind == "tcprogram" || kind == "tcnsprogram" {
                    #expect(back["spec"]?["proceedon"] == ["pipe", "dispatcher_return"], "\(file): TC proceed-on default")
                }
                if back["spec"]?["bytecode"]?["image"] != nil {
                    #expect(back["spec"]?["bytecode"]?["image"]?["imagepullpolicy"] == "IfNotPresent", "\(file): pull policy default")
                }
            }
            _ = sim
        }
    }

    /// Whether every value in `sub` is in `whole` (which may have more: defaults).
    static func contains(_ whole: JSON, _ sub: JSON) -> Bool {
        switch (whole, sub) {
        case (.object(let w), .object(let s)): return s.allSatisfy { k, v in w[k].map { contains($0, v) } ?? false }
        case (.array(let w), .array(let s)): return w.count == s.count && zip(w, s).allSatisfy { contains($0, $1) }
        default: return whole == sub
        }
    }

    @Test func validationRefusesWithTheFieldNamed() async throws {
        try await Self.withCluster { _, kubectl in
            let good = try String(contentsOfFile: Self.samplesDir + "/bpfman.io_v1alpha1_xdp_pass_xdpprogram.yaml", encoding: .utf8)
            let cases: [(String, String, String)] = [
                ("proceed-on", good.replacingOccurrences(of: "  priority: 0", with: "  priority: 0\n  proceedon: [pass, bogus]"), "spec.proceedon[1]"),
                ("priority", good.replacingOccurrences(of: "priority: 0", with: "priority: 1001"), "spec.priority"),
                ("both interface keys", good.replacingOccurrences(of: "primarynodeinterface: true", with: "primarynodeinterface: true\n    interfaces: [eth0]"), "spec.interfaceselector"),
                ("no interface key", good.replacingOccurrences(of: "primarynodeinterface: true", with: "{}").replacingOccurrences(of: "interfaceselector:\n    {}", with: "interfaceselector: {}"), "spec.interfaceselector"),
                ("function", good.replacingOccurrences(of: "  bpffunctionname: pass\n", with: ""), "spec.bpffunctionname"),
                ("pull policy", good.replacingOccurrences(of: "url: \"quay.io/bpfman-bytecode/xdp_pass:latest\"", with: "url: \"quay.io/bpfman-bytecode/xdp_pass:latest\"\n      imagepullpolicy: Sometimes"), "spec.bytecode.image.imagepullpolicy"),
            ]
            for (what, yaml, field) in cases {
                #expect(yaml != good, "\(what): the case did not change the sample")
                let r = try await kubectl(["apply", "-f", "-"], yaml)
                #expect(!r.ok && r.stderr.contains("is invalid") && r.stderr.contains(field), "\(what): \(r.stderr)")
            }
            let none = try await kubectl(["get", "xdpprograms", "-o", "name"], nil)
            #expect(none.stdout.isEmpty, "nothing was stored")

            // The CEL rules kubesim evaluates: a BpfApplication item must set the member its type names.
            let app = try String(contentsOfFile: Self.samplesDir + "/bpfman.io_v1alpha1_bpfapplication.yaml", encoding: .utf8)
            let wrongMember = app.replacingOccurrences(of: "- type: XDP\n      xdp:", with: "- type: XDP\n      tc:")
            #expect(wrongMember != app)
            let r1 = try await kubectl(["apply", "-f", "-"], wrongMember)
            #expect(!r1.ok && r1.stderr.contains("spec.programs[5]") && r1.stderr.contains("xdp configuration is required when type is XDP"), "\(r1.stderr)")
            let kprobe = try String(contentsOfFile: Self.samplesDir + "/bpfman.io_v1alpha1_kprobe_kprobeprogram.yaml", encoding: .utf8)
                .replacingOccurrences(of: "offset: 0", with: "offset: 8").replacingOccurrences(of: "retprobe: false", with: "retprobe: true")
            let r2 = try await kubectl(["apply", "-f", "-"], kprobe)
            #expect(!r2.ok && r2.stderr.contains("offset cannot be set for kretprobes"), "\(r2.stderr)")
        }
    }

    @Test func printerColumnsShowValues() async throws {
        try await Self.withCluster { _, kubectl in
            for file in Self.samples { _ = try await kubectl(["apply", "-f", Self.samplesDir + "/" + file], nil) }
            for k in AllKinds.kinds where !["BpfProgram", "BpfNsProgram"].contains(k.resource.kind) {
                let plain = try await kubectl(["get", k.resource.plural, "-A"], nil)
                let wide = try await kubectl(["get", k.resource.plural, "-A", "-o", "wide"], nil)
                let header = plain.stdout.split(separator: "\n").first.map(String.init) ?? ""
                let wideHeader = wide.stdout.split(separator: "\n").first.map(String.init) ?? ""
                for c in k.printerColumns {
                    let name = c.name.uppercased()
                    if c.priority == 0 {
                        #expect(header.contains(name), "\(k.resource.plural): \(name) missing in \(header)")
                    } else {
                        #expect(!header.contains(" \(name)") && wideHeader.contains(name), "\(k.resource.plural): \(name) only with -o wide")
                    }
                }
                let row = plain.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
                if k.printerColumns.contains(where: { $0.name == "BpfFunctionName" }) {
                    #expect(row.contains("{}"), "\(k.resource.plural): NodeSelector value shown: \(row)")
                }
            }
            let tp = try await kubectl(["get", "tracepointprograms", "-o", "wide"], nil)
            #expect(tp.stdout.contains("syscalls/sys_enter_openat"), "the fixed TracePoint column: \(tp.stdout)")
        }
    }
}

extension APITests {
    @Test func labelSelectorMatching() {
        let l = ["app": "nginx", "tier": "web"]
        #expect(LabelSelector().matches(l) && LabelSelector().isEmpty)
        #expect(LabelSelector(matchLabels: ["app": "nginx"]).matches(l))
        #expect(!LabelSelector(matchLabels: ["app": "nginx", "tier": "db"]).matches(l))
        #expect(LabelSelector(matchExpressions: [.init(key: "tier", operator: "In", values: ["web", "db"])]).matches(l))
        #expect(!LabelSelector(matchExpressions: [.init(key: "tier", operator: "NotIn", values: ["web"])]).matches(l))
        #expect(LabelSelector(matchExpressions: [.init(key: "zone", operator: "DoesNotExist")]).matches(l))
        #expect(!LabelSelector(matchExpressions: [.init(key: "zone", operator: "Exists")]).matches(l))
        #expect(!LabelSelector(matchExpressions: [.init(key: "app", operator: "Bogus")]).matches(l), "an unknown operator selects nothing")
    }
}
