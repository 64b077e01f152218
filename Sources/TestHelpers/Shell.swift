import Foundation

/// Runs real processes for the tests: commands, the `bpfman` binary, kubectl.
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var ok: Bool { status == 0 }
        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    @discardableResult
    public static func run(_ executable: String, _ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read before waiting so a full pipe cannot stall the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    /// `run` on a Dispatch thread: a test's task must not block the cooperative
    /// threads an in-process server (kubesim) runs on.
    public static func runAsync(_ executable: String, _ args: [String], env: [String: String] = [:],
                                stdin: String? = nil) async throws -> Result
    {
        try await offPool { try run(executable, args, env: env, stdin: stdin) }
    }

    /// Runs blocking work on a Dispatch thread and awaits it.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async { cont.resume(with: Swift.Result { try work() }) }
        }
    }

    /// `bash -c script`, throwing with its stderr when it fails.
    @discardableResult
    public static func sh(_ script: String) throws -> String {
        let r = try run("/bin/bash", ["-c", script])
        guard r.ok else { throw ShellError(command: script, result: r) }
        return r.stdout
    }

    public struct ShellError: Error, CustomStringConvertible {
        public var command: String
        public var result: Result
        public init(command: String, result: Result) {
            self.command = command
            self.result = result
        }
        public var description: String { "`\(command)` failed (\(result.status)): \(result.stderr)" }
    }
}
