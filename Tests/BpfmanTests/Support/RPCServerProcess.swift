import Foundation
import Testing
import TestHelpers

/// A real `bpfman-rpc` process serving a sandbox on its own socket.
final class RPCServerProcess: @unchecked Sendable {
    let process = Process()
    let socketPath: String
    let stderr = Pipe()

    /// Starts the server and waits until its socket accepts connections.
    init(_ box: Sandbox, socketPath: String? = nil, arguments: [String] = ["--timeout", "0"], waitForSocket: Bool = true) throws {
        self.socketPath = socketPath ?? box.base + "/sock/bpfman.sock"
        process.executableURL = URL(fileURLWithPath: TestPaths.binary("bpfman-rpc"))
        process.arguments = ["--socket-path", self.socketPath] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in box.env { env[k] = v }
        env["RUST_LOG"] = "warning"
        process.environment = env
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if waitForSocket { try waitUntilListening() }
    }

    func waitUntilListening() throws {
        for _ in 0..<300 {
            if RPCServerProcess.accepts(socketPath) { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        throw ServerDidNotStart(log: log())
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var log: String
        var description: String { "bpfman-rpc did not start listening: \(log)" }
    }

    /// SIGTERM, then wait for the exit; returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func log() -> String {
        if process.isRunning { return "(still running)" }
        return String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        if process.isRunning { process.interrupt(); process.waitUntilExit() }
    }

    static func accepts(_ path: String) -> Bool {
        (try? Shell.run("/usr/bin/env", ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", path]).ok) ?? false
    }
}
