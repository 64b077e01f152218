import Bpfman
import BpfmanRPC
import Foundation
import Testing
import TestHelpers

@Suite("bpfman-rpc socket handling", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct RPCSocketTests {
    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode : nil
    }

    @Test("the socket is 0660, a stale socket is replaced, and SIGTERM leaves no socket file")
    func lifecycle() throws {
        let box = try Sandbox()
        let socket = box.base + "/sock/bpfman.sock"
        // A stale socket, as a crashed daemon leaves it: bound, nobody listening.
        try Shell.sh("mkdir -p \(box.base)/sock && python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \(socket)")
        #expect(Self.mode(socket).map { $0 & S_IFMT } == S_IFSOCK)
        let server = try RPCServerProcess(box, socketPath: socket)
        #expect(Self.mode(socket).map { $0 & 0o777 } == 0o660)
        #expect(RPCServerProcess.accepts(socket))
        #expect(server.terminate() == 0)
        #expect(Self.mode(socket) == nil, "the socket file must be gone after SIGTERM")
    }

    @Test("a live server's socket is not taken over; a regular file in the way is refused")
    func refusesToSteal() throws {
        let box = try Sandbox()
        let first = try RPCServerProcess(box)
        let second = try RPCServerProcess(box, socketPath: first.socketPath, waitForSocket: false)
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus != 0)
        #expect(second.log().contains("another server is listening on \(first.socketPath)"))
        #expect(RPCServerProcess.accepts(first.socketPath), "the first server still serves")

        let file = box.base + "/not-a-socket"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let third = try RPCServerProcess(box, socketPath: file, waitForSocket: false)
        third.process.waitUntilExit()
        #expect(third.process.terminationStatus != 0)
        #expect(third.log().contains("\(file) exists and is not a socket"))
    }

    @Test("a systemd-style passed socket (LISTEN_FDS/LISTEN_PID, fd 3) is used")
    func systemdSocket() async throws {
        let box = try Sandbox()
        let socket = box.base + "/activated.sock"
        // python binds and listens, puts the socket on fd 3 and execs the server
        // with LISTEN_PID set to its own (unchanged by exec) pid.
        let script = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(16)
            os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
            os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid())
            os.execv(sys.argv[2], [sys.argv[2], '--socket-path', sys.argv[3], '--timeout', '0'])
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let unused = box.base + "/unused/bpfman.sock"
        p.arguments = ["python3", "-c", script, socket, TestPaths.binary("bpfman-rpc"), unused]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in box.env { env[k] = v }
        p.environment = env
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate(); p.waitUntilExit() } }
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
        let listed = try await BpfmanClient.withClient(socketPath: socket, defaultTimeout: .seconds(30)) { client in
            var onlyOurs = Bpfman_V1_ListRequest()
            onlyOurs.bpfmanProgramsOnly = true
            return try await client.list(onlyOurs).count
        }
        #expect(listed == 0)
        #expect(!FileManager.default.fileExists(atPath: unused), "the --socket-path socket must not be bound when systemd passes one")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test("--timeout: the server exits by itself once idle, and removes its socket")
    func inactivityTimeout() throws {
        let box = try Sandbox()
        let server = try RPCServerProcess(box, arguments: ["--timeout", "1"])
        for _ in 0..<300 where server.process.isRunning { usleep(100_000) }
        #expect(!server.process.isRunning, "still running long after the timeout")
        #expect(server.process.terminationStatus == 0)
        #expect(Self.mode(server.socketPath) == nil)
    }
}
