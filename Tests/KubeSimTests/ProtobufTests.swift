import Foundation
@testable import KubeSim
import TestHelpers
import Testing

/// kubesim's protobuf: the schema it walks, and bytes from encoders that are
/// not kubesim's own (Python's protobuf library on the same .proto, kubectl's
/// Go encoder) read back as the JSON a user wrote.
@Suite("kubesim protobuf bodies", .serialized)
struct ProtobufTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("python/protobuf_suite.py").path

    @Test func schemaCoversEveryListedKind() throws {
        let schema = try KubeProtoSchema(parsing: KubeProto.source)
        for (kind, message) in KubeProto.kinds {
            let m = try #require(schema.messages[message], "\(kind) names no message")
            #expect(m.fields[1]?.name == "metadata" && m.fields[1]?.type == .message("ObjectMeta"), "\(kind)")
        }
        // The markers the wire cannot carry are read.
        #expect(schema.messages["DeploymentSpec"]?.byName["replicas"]?.pointer == true)
        #expect(schema.messages["DeploymentSpec"]?.byName["paused"]?.keepsZero == false)
        #expect(schema.messages["Container"]?.byName["name"]?.always == true)
        #expect(schema.messages["ConfigMapKeySelector"]?.fields[1]?.inline == true)
        #expect(schema.messages["ObjectMeta"]?.byName["labels"]?.mapValue == .scalar(.string))
        // A broken schema says where.
        #expect(throws: KubeProtoSchema.ParseError.self) { try KubeProtoSchema(parsing: "message A { optional B b = 1; }") }
        #expect(throws: KubeProtoSchema.ParseError.self) { try KubeProtoSchema(parsing: "message A { optional string a = 1; optional int32 b = 1; }") }
        #expect(throws: KubeProtoSchema.ParseError.self) { try KubeProtoSchema(parsing: "message A { optional string a = 1;") }
    }

    @Test func timesBetweenSecondsAndRFC3339() {
        let cases: [(Int64, Int32, Bool, String)] = [
            (0, 0, false, "1970-01-01T00:00:00Z"),
            (951_782_400, 0, false, "2000-02-29T00:00:00Z"),
            (1_764_892_800, 123_456_000, true, "2025-12-05T00:00:00.123456Z"),
            (-1, 0, false, "1969-12-31T23:59:59Z"),
            (253_402_300_799, 999_999_000, true, "9999-12-31T23:59:59.999999Z"),
        ]
        for (s, n, micro, text) in cases {
            #expect(RFC3339.format(seconds: s, nanos: n, micro: micro) == text)
            let back = RFC3339.parse(text)
            #expect(back?.seconds == s && back?.nanos == n, "\(text)")
        }
        #expect(RFC3339.parse("2025-12-05T01:00:00+01:00")?.seconds == 1_764_892_800)
        for bad in ["", "2025-12-05", "2025-13-05T00:00:00Z", "2025-12-05T00:00:00", "2025-12-05T00:00:00.Z", "2025-12-05T00:00:00Zjunk"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    /// kubesim's own writer and reader agree, and the writer refuses what it cannot carry.
    @Test func writerAndReaderAgree() throws {
        let ds: JSON = [
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": ["name": "d", "namespace": "n", "labels": ["a": "b"], "creationTimestamp": "2025-12-05T00:00:00Z"],
            "spec": ["selector": ["matchLabels": ["a": "b"]], "revisionHistoryLimit": 0,
                     "template": ["metadata": ["labels": ["a": "b"]],
                                  "spec": ["containers": [["name": "c", "image": "i", "env": [["name": "X", "valueFrom": ["configMapKeyRef": ["name": "cm", "key": "k"]]]]]]]],
                     "updateStrategy": ["rollingUpdate": ["maxUnavailable": 1]]],
        ]
        let bytes = try ProtobufBodies.encode(ds)
        #expect(try ProtobufBodies.decode(bytes) == ds)
        var extra = ds
        extra["spec"]?["madeUp"] = 1
        #expect(throws: APIError.self) { try ProtobufBodies.encode(extra) }
    }

    @Test func independentEncoderRoundTrips() async throws {
        let python = "/usr/bin/python3"
        let probe = try await Shell.runAsync(python, ["-c", "import google.protobuf, kubernetes; print(google.protobuf.__version__)"])
        try #require(probe.ok, "python3-protobuf or python3-kubernetes is missing (make deps installs them): \(probe.stderr)")
        let protoc = try await Shell.runAsync("/usr/bin/env", ["protoc", "--version"])
        try #require(protoc.ok, "protoc is missing (make deps installs protobuf-compiler): \(protoc.stderr)")
        let dir = NSTemporaryDirectory() + "kubesim-proto-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try KubeProto.source.write(toFile: dir + "/kube.proto", atomically: true, encoding: .utf8)
        let gen = try await Shell.runAsync("/usr/bin/env", ["protoc", "-I", dir, "--python_out=\(dir)", dir + "/kube.proto"])
        try #require(gen.ok, "protoc refused kubesim's .proto: \(gen.stderr)")
        try await SimHarness.with({ $0.openShift = true }) { h in
            let r = try await Shell.runAsync(python, [Self.script, dir, h.kubeconfig])
            print("protobuf suite (python protobuf \(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines))):\n\(r.stdout)")
            #expect(r.ok, "the protobuf suite failed:\n\(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("all passed"))
            let checks = r.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count
            #expect(checks >= 45, "the suite ran only \(checks) checks")
        }
    }
}
