import Bpfman
import BpfmanRPC
import Foundation
import GRPCCore
import Testing
import TestHelpers

/// A FIFO, a socket, a device or a symbolic link loop named as bytecode or as
/// a uprobe target: a clear error at once, never a daemon stuck in open(2)
/// under its store lock, and the next client's load goes through.
@Suite("special files as bytecode and uprobe targets (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct SpecialFileTests {
    /// Files of every kind but regular, in the sandbox.
    static func make(_ box: Sandbox) throws -> [(path: String, message: String)] {
        let d = box.base + "/special"
        try Shell.sh("""
            mkdir -p \(d) && mkfifo \(d)/fifo && ln -s loop-b \(d)/loop-a && ln -s loop-a \(d)/loop-b && echo text > \(d)/text && \
            python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \(d)/socket
            """)
        return [
            ("\(d)/fifo", "\(d)/fifo is a FIFO (named pipe), not a regular file"),
            ("\(d)/socket", "\(d)/socket is a socket, not a regular file"),
            ("/dev/null", "/dev/null is a character device, not a regular file"),
            ("\(d)/loop-a", "\(d)/loop-a is a symbolic link loop"),
            ("\(d)", "\(d) is a directory, not a regular file"),
        ]
    }

    @Test("through bpfman-rpc: each refused at once with its kind named; a valid load right after succeeds")
    func rpc() async throws {
        let box = try Sandbox()
        let files = try Self.make(box)
        let server = try RPCServerProcess(box)
        try await BpfmanClient.withClient(socketPath: server.socketPath) { client in
            for (path, message) in files {
                var bytecode = RPCServerTests.tracepointRequest()
                bytecode.bytecode.file = path
                let asBytecode = await RPCServerTests.statusCode { _ = try await client.load(bytecode, timeout: .seconds(10)) }
                #expect(asBytecode.1.contains("bytecode file " + message), "\(path): \(String(describing: asBytecode.0)) \(asBytecode.1)")
                #expect(asBytecode.0 == .invalidArgument)

                var uprobe = Bpfman_V1_LoadRequest()
                uprobe.bytecode.file = TestPaths.example("uprobe_counter")
                uprobe.name = "uprobe_counter"
                var u = Bpfman_V1_UprobeAttachInfo()
                u.target = path
                u.fnName = "bpfman_test_fn"
                uprobe.attach.uprobeAttachInfo = u
                let asTarget = await RPCServerTests.statusCode { _ = try await client.load(uprobe, timeout: .seconds(10)) }
                #expect(asTarget.1.contains("uprobe target " + message), "\(path): \(String(describing: asTarget.0)) \(asTarget.1)")

                // The daemon is not held up: the next load and list go through.
                let id = try await client.load(RPCServerTests.tracepointRequest(), timeout: .seconds(10)).kernelInfo.id
                try await client.unload(id: id, timeout: .seconds(10))
            }
            // Not an ELF file as uprobe target: said so (it was libbpf's "Unknown error 4001").
            var text = Bpfman_V1_LoadRequest()
            text.bytecode.file = TestPaths.example("uprobe_counter")
            text.name = "uprobe_counter"
            var u = Bpfman_V1_UprobeAttachInfo()
            u.target = box.base + "/special/text"
            u.fnName = "f"
            text.attach.uprobeAttachInfo = u
            let notELF = await RPCServerTests.statusCode { _ = try await client.load(text, timeout: .seconds(10)) }
            #expect(notELF.0 == .invalidArgument && notELF.1.contains("uprobe target \(box.base)/special/text is not an ELF executable or library"),
                    "\(notELF.1)")
            #expect(try await client.list().filter(\.hasInfo).isEmpty)
        }
        #expect(box.pins().isEmpty)
        #expect(try box.records().isEmpty)
    }

    @Test("through the CLI: the same errors, each within a bounded time")
    func cli() throws {
        let box = try Sandbox()
        for (path, message) in try Self.make(box) {
            let r = try Shell.run("/usr/bin/timeout", ["20", TestPaths.bpfman, "load", "file", "-p", path, "-n", "tracepoint_openat",
                                                        "tracepoint", "-t", "syscalls/sys_enter_openat"], env: box.env)
            #expect(r.status == 1 && r.stderr.contains("bytecode file " + message), "\(path): exit \(r.status): \(r.stderr)")
        }
        #expect(box.pins().isEmpty)
        #expect(try box.records().isEmpty)
    }
}
