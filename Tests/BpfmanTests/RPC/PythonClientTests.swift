import Bpfman
import Foundation
import Testing
import TestHelpers

/// The wire format checked by a client that shares no code with ours: Python
/// grpcio with stubs generated from proto/bpfman.proto at test time.
@Suite("bpfman-rpc from Python grpcio (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct PythonClientTests {
    static let script = #"""
        import json, sys, grpc
        sys.path.insert(0, sys.argv[1])
        import bpfman_pb2 as pb, bpfman_pb2_grpc as rpc
        socket, obj = sys.argv[2], sys.argv[3]
        stub = rpc.BpfmanStub(grpc.insecure_channel("unix://" + socket))
        req = pb.LoadRequest(
            bytecode=pb.BytecodeLocation(file=obj), name="tracepoint_openat",
            attach=pb.AttachInfo(tracepoint_attach_info=pb.TracepointAttachInfo(tracepoint="syscalls/sys_enter_openat")),
            metadata={"client": "python"}, global_data={"tgid": (1).to_bytes(4, "little")})
        loaded = stub.Load(req, timeout=30)
        pid = loaded.kernel_info.id
        listed = stub.List(pb.ListRequest(bpfman_programs_only=True, match_metadata={"client": "python"}), timeout=30)
        got = stub.Get(pb.GetRequest(id=pid), timeout=30)
        try:
            stub.Unload(pb.UnloadRequest(id=4000000003), timeout=30)
            missing = "no error"
        except grpc.RpcError as e:
            missing = e.code().name + ": " + e.details()
        stub.Unload(pb.UnloadRequest(id=pid), timeout=30)
        after = stub.List(pb.ListRequest(bpfman_programs_only=True), timeout=30)
        print(json.dumps({
            "id": pid, "type": loaded.kernel_info.program_type, "name": loaded.info.name,
            "tracepoint": loaded.info.attach.tracepoint_attach_info.tracepoint,
            "global": loaded.info.global_data["tgid"].hex(), "listed": [r.kernel_info.id for r in listed.results],
            "got_metadata": dict(got.info.metadata), "missing": missing, "after": len(after.results)}))
        """#

    @Test("an independent Python grpcio client loads, lists, gets and unloads")
    func python() throws {
        let box = try Sandbox()
        let server = try RPCServerProcess(box)
        let stubs = box.base + "/py"
        try Shell.sh("mkdir -p \(stubs) && python3 -m grpc_tools.protoc -I \(TestPaths.root)/proto --python_out=\(stubs) --grpc_python_out=\(stubs) \(TestPaths.root)/proto/bpfman.proto")
        let r = try Shell.run("/usr/bin/env", ["python3", "-c", Self.script, stubs, server.socketPath, TestPaths.example("tracepoint_counter")])
        #expect(r.ok, "python client failed: \(r.stderr)")
        struct Out: Decodable {
            var id: UInt32, type: UInt32, name: String, tracepoint: String, global: String
            var listed: [UInt32], got_metadata: [String: String], missing: String, after: Int
        }
        let out = try JSONDecoder().decode(Out.self, from: Data(r.stdout.utf8))
        #expect(out.type == 5)
        #expect(out.name == "tracepoint_openat")
        #expect(out.tracepoint == "syscalls/sys_enter_openat")
        #expect(out.global == "01000000")
        #expect(out.listed == [out.id])
        #expect(out.got_metadata == ["client": "python"])
        #expect(out.missing == "NOT_FOUND: program 4000000003 does not exist or was not loaded by bpfman (see `bpfman list`)")
        #expect(out.after == 0)
        #expect(box.pins().isEmpty)
    }
}
