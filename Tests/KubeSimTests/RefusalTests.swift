import AsyncHTTPClient
import Foundation
import KubeSim
import NIOHTTP1
import Testing
import TestHelpers

/// kubesim refuses what the real API server refuses, with the real status
/// code and a Status body, and stores nothing when it does.
@Suite("kubesim refusals", .serialized)
struct RefusalTests {
    @Test("JSON and merge patches that make the root a non-object or remove or replace metadata, kind or apiVersion: 422, object unchanged")
    func patchesThatBreakTheObject() async throws {
        let dataDir = NSTemporaryDirectory() + "kubesim-refuse-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try await SimHarness.with({ $0.dataDir = dataDir }) { h in
            try await h.installCRD()
            let made = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("keep"))
            #expect(made.status == 201)
            let path = Fixtures.xdpPath + "/keep"
            let json = "application/json-patch+json", merge = "application/merge-patch+json"
            let refused: [(String, JSON, String)] = [
                (json, [["op": "replace", "path": "", "value": 5]], "<root>"),
                (json, [["op": "replace", "path": "", "value": ["a", "b"]]], "<root>"),
                (json, [["op": "remove", "path": "/metadata"]], "metadata"),
                (json, [["op": "replace", "path": "/metadata", "value": "x"]], "metadata"),
                (json, [["op": "remove", "path": "/kind"]], "kind"),
                (json, [["op": "replace", "path": "/kind", "value": "TcProgram"]], "kind"),
                (json, [["op": "remove", "path": "/apiVersion"]], "apiVersion"),
                (json, [["op": "replace", "path": "/apiVersion", "value": "v1"]], "apiVersion"),
                (merge, ["metadata": .null], "metadata"),
                (merge, ["kind": "Pod"], "kind"),
                (merge, ["apiVersion": .null], "apiVersion"),
            ]
            for (type, patch, field) in refused {
                let r = try await h.request(.PATCH, path, body: patch, contentType: type)
                #expect(r.status == 422 && r.body["kind"] == "Status" && r.body["reason"] == "Invalid", "\(patch.text): \(r.status) \(r.body.text)")
                #expect(r.body["details"]?["causes"]?.array?.first?["field"]?.string == field, "\(patch.text): \(r.body.text)")
            }
            // A patch that leaves them as they are still works.
            let ok = try await h.request(.PATCH, path, body: [["op": "replace", "path": "/kind", "value": "XdpProgram"],
                                                              ["op": "replace", "path": "/spec/priority", "value": 60]], contentType: json)
            #expect(ok.status == 200 && ok.body["spec"]?["priority"] == 60, "\(ok.body.text)")
            try await h.sim.restart()
            let after = try await h.request(.GET, path)
            #expect(after.status == 200 && after.body["kind"] == "XdpProgram" && after.body["apiVersion"] == "bpfman.io/v1alpha1")
            #expect(after.body["metadata"]?["name"] == "keep" && after.body["spec"]?["priority"] == 60, "\(after.body.text)")
        }
    }

    @Test("labels: a value over 63 characters, a bad value and a bad key are 422 on metadata.labels; nothing stored")
    func labels() async throws {
        try await SimHarness.with { h in
            let bad: [[String: String]] = [["owner": String(repeating: "x", count: 64)], ["owner": "a/b"], ["-bad": "v"],
                                           ["Example.com/x": "v"], [String(repeating: "k", count: 64): "v"]]
            for (n, labels) in bad.enumerated() {
                let r = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("l\(n)", labels: labels))
                #expect(r.status == 422 && r.body["details"]?["causes"]?.array?.first?["field"] == "metadata.labels", "\(labels): \(r.body.text)")
                #expect(try await h.request(.GET, Fixtures.configMaps + "/l\(n)").status == 404)
            }
            let long = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("m", labels: ["owner": String(repeating: "x", count: 64)]))
            #expect(long.body["message"]?.string?.contains("must be no more than 63 characters") == true, "\(long.body.text)")
            let good = ["owner": String(repeating: "x", count: 63), "bpfman.io/ownedByProgram": "a.b_c-d", "empty": ""]
            #expect(try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("ok", labels: good)).status == 201)
        }
    }

    @Test("a body over 3 MiB: 413 RequestEntityTooLarge with a Status body, nothing stored; 3 MiB less a little is taken")
    func bodyLimit() async throws {
        try await SimHarness.with { h in
            var big = Fixtures.configMap("big")
            big["data"] = ["x": .string(String(repeating: "a", count: 4 << 20))]
            let r = try await h.request(.POST, Fixtures.configMaps, body: big)
            #expect(r.status == 413 && r.body["kind"] == "Status" && r.body["reason"] == "RequestEntityTooLarge", "\(r.status)")
            #expect(r.body["message"]?.string == "Request entity too large: limit is 3145728")
            #expect(try await h.request(.GET, Fixtures.configMaps + "/big").status == 404)
            var fits = Fixtures.configMap("fits")
            fits["data"] = ["x": .string(String(repeating: "a", count: (3 << 20) - 4096))]
            #expect(try await h.request(.POST, Fixtures.configMaps, body: fits).status == 201)
            // The connection pool is still usable after the refusal.
            #expect(try await h.request(.GET, Fixtures.configMaps + "/fits").status == 200)
        }
    }

    @Test("label selectors: an unparsable one is a 400 Status; 10,000 terms are parsed; a request line over 1 MiB is a 431 Status")
    func selectors() async throws {
        try await SimHarness.with({ $0.tls = false }) { h in
            let bad = try await h.request(.GET, Fixtures.configMaps + "?labelSelector=a%20in%20b")
            #expect(bad.status == 400 && bad.body["kind"] == "Status" && bad.body["message"]?.string?.contains("unable to parse requirement") == true,
                    "\(bad.body.text)")
            #expect(try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("one", labels: ["k0": "v", "k9999": "v"])).status == 201)
            let terms = (0..<10_000).map { "k\($0)" }.joined(separator: ",")
            let many = try await h.request(.GET, Fixtures.configMaps + "?labelSelector=" + terms)
            #expect(many.status == 200 && many.body["items"]?.array?.isEmpty == true, "all 10,000 must exist: \(many.status)")
            let two = try await h.request(.GET, Fixtures.configMaps + "?labelSelector=k0,k9999")
            #expect(two.body["items"]?.array?.count == 1)

            // Over the header limit the parser stops; the reply still is a Status.
            let port = h.sim.url.split(separator: ":").last.map(String.init) ?? ""
            let raw = try await Shell.runAsync("/usr/bin/python3", ["-c", Self.rawRequest, port])
            #expect(raw.stdout.hasPrefix("HTTP/1.1 431"), "\(raw.stdout)\(raw.stderr)")
            let body = raw.stdout.components(separatedBy: "\r\n\r\n").last ?? ""
            let status = try? JSON.parse(Array(body.utf8))
            #expect(status?["kind"] == "Status" && status?["code"] == 431 && status?["reason"] == "RequestHeaderFieldsTooLarge", "\(body)")
        }
    }

    /// Sends one GET whose label selector makes the request line 1.2 MB and
    /// prints what came back before the server closed the connection.
    static let rawRequest = """
    import socket, sys
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    sel = ",".join("k%d=v" % i for i in range(150000))
    try:
        s.sendall(("GET /api/v1/namespaces/default/configmaps?labelSelector=" + sel + " HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n").encode())
    except OSError:
        pass
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    sys.stdout.write(data.decode())
    """

    @Test("a watch from a future resourceVersion: 504 'Too large resource version' with its cause; one that arrives in time is served")
    func futureWatch() async throws {
        try await SimHarness.with { h in
            let now = h.sim.store.currentResourceVersion
            let r = try await h.request(.GET, Fixtures.configMaps + "?watch=true&resourceVersion=\(now + 1000)")
            #expect(r.status == 504 && r.body["kind"] == "Status" && r.body["reason"] == "Timeout", "\(r.status) \(r.body.text)")
            #expect(r.body["message"]?.string == "Timeout: Too large resource version: \(now + 1000), current: \(now)")
            #expect(r.body["details"]?["causes"]?.array?.first?["reason"] == "ResourceVersionTooLarge")
            #expect(r.body["details"]?["retryAfterSeconds"] == 1)

            // A resourceVersion the store reaches while the watch waits.
            async let make: Void = {
                try await Task.sleep(for: .milliseconds(300))
                _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("late1"))
                _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("late2"))
            }()
            let stream = try await h.watch(Fixtures.configMaps + "?watch=true&timeoutSeconds=5&resourceVersion=\(now + 1)")
            try await make
            var names: [String] = []
            for try await e in stream {
                names.append(e["object"]?["metadata"]?["name"]?.string ?? e["type"]?.string ?? "?")
                break
            }
            #expect(names == ["late2"], "the watch starts after the resourceVersion it named: \(names)")
        }
    }
}
