import BpfmanRPC
import Foundation
import Testing
import TestHelpers

/// A CSI client that shares no code with ours, as kubelet stands to the
/// plugin: Tests/csi/csi_client.py (Python grpcio) with stubs generated from
/// proto/csi/csi.proto into the caller's (sandbox) directory.
struct CSIClient {
    let socket: String
    let stubs: String

    init(socket: String, stubsIn dir: String) throws {
        self.socket = socket
        stubs = dir + "/csi-py"
        if !FileManager.default.fileExists(atPath: stubs + "/csi/csi_pb2_grpc.py") {
            try Shell.sh("mkdir -p \(stubs) && python3 -m grpc_tools.protoc -I \(TestPaths.root)/proto --python_out=\(stubs) --grpc_python_out=\(stubs) \(TestPaths.root)/proto/csi/csi.proto")
        }
    }

    /// One result of a CSI call.
    struct Reply: CustomStringConvertible {
        var ok: Bool
        var code: String
        var details: String
        var response: [String: Any]
        var description: String { ok ? "OK \(response)" : "\(code): \(details)" }
    }

    func calls(_ calls: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) throws -> [Reply] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: calls), as: UTF8.self)
        let r = try Shell.run("/usr/bin/env", ["python3", TestPaths.root + "/Tests/csi/csi_client.py", stubs, socket, json])
        #expect(r.ok, "csi client failed: \(r.stderr)", sourceLocation: sourceLocation)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], sourceLocation: sourceLocation)
        return list.map {
            Reply(ok: $0["ok"] as? Bool ?? false, code: $0["code"] as? String ?? "OK", details: $0["details"] as? String ?? "",
                  response: $0["response"] as? [String: Any] ?? [:])
        }
    }

    func call(_ service: String, _ method: String, _ request: [String: Any] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> Reply {
        try #require(try calls([["service": service, "method": method, "request": request]], sourceLocation: sourceLocation).first,
                     sourceLocation: sourceLocation)
    }

    /// NodePublishVolume as kubelet sends it for an inline volume.
    func publish(_ volume: String, at target: String, program: String? = "csi-test", maps: String? = "csi_calls,csi_pid",
                 readOnly: Bool = false, group: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Reply {
        var context: [String: String] = [:]
        if let program { context[CSIVolumeRequest.programKey] = program }
        if let maps { context[CSIVolumeRequest.mapsKey] = maps }
        var mount: [String: Any] = [:]
        if let group { mount["volume_mount_group"] = group }
        return try call("Node", "NodePublishVolume", [
            "volume_id": volume, "target_path": target, "readonly": readOnly, "volume_context": context,
            "volume_capability": ["mount": mount, "access_mode": ["mode": "SINGLE_NODE_WRITER"]],
        ], sourceLocation: sourceLocation)
    }

    func unpublish(_ volume: String, at target: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Reply {
        try call("Node", "NodeUnpublishVolume", ["volume_id": volume, "target_path": target], sourceLocation: sourceLocation)
    }
}

/// What a container's process reads from a published map: raw bpf(2) calls
/// (Tests/csi/map_reader.py) in a mount namespace of its own.
enum MapReader {
    struct Read: Decodable {
        var ok: Bool
        /// The kernel's id of the map.
        var id: Int?
        var values: [UInt64]?
        var errno: Int32?
    }

    /// Key 0 as a u64, `count` times 0.2 s apart; `mode` "ro" or "rw" is how the pin is opened.
    static func read(_ path: String, _ mode: String = "ro", count: Int = 1) throws -> Read {
        let r = try Shell.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "python3", TestPaths.root + "/Tests/csi/map_reader.py", path, mode, "\(count)"])
        guard r.ok else { throw Shell.ShellError(command: "map_reader \(path)", result: r) }
        return try JSONDecoder().decode(Read.self, from: Data(r.stdout.utf8))
    }

    /// The kernel's id of the map pinned at `path`, opened read-only.
    static func mapID(_ path: String) throws -> Int {
        let r = try read(path)
        guard let id = r.id else { throw Shell.ShellError(command: "map id of \(path)", result: .init(status: 1, stdout: "", stderr: "errno \(r.errno ?? 0)")) }
        return id
    }
}
