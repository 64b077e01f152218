import Foundation
import Glibc
import TestHelpers

/// Runs a command with posix_spawn and waitpid, output to a file. For commands
/// that leave daemons behind (make run-local): Foundation's Process was seen
/// never to notice such a `make` exit (a zombie left unreaped, the test hung).
enum Spawn {
    struct Result {
        var status: Int32
        var output: String
        var ok: Bool { status == 0 }
    }

    static func run(_ argv: [String], env: [String: String] = [:], outputFile: String) async throws -> Result {
        try await Shell.offPool {
            var environment = ProcessInfo.processInfo.environment
            for (k, v) in env { environment[k] = v }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            let cArgs = argv.map { strdup($0) } + [nil]
            let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exited = (status & 0x7f) == 0
            let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: output)
        }
    }
}
