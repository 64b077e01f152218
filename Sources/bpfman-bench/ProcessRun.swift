import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One process run to its end: wall time and CPU (user + system) from
/// `wait4`, spawned directly (no shell), so only the program's own cost is
/// counted. Peak resident set (`peak: true`) comes from GNU time wrapped
/// around the program instead: a child spawned from this process starts out
/// sharing its memory, and the kernel counts that in the child's peak.
struct ProcessRun {
    var wallMs: Double
    var cpuMs: Double
    var peakKiB: Int
    var exitCode: Int32
    var stdout: String

    static func run(_ program: [String], environment: [String: String], peak: Bool = false) -> ProcessRun {
        let outPath = "/tmp/bpfman-bench-stdout-\(getpid())"
        let peakPath = "/tmp/bpfman-bench-peak-\(getpid())"
        let argv = peak ? ["/usr/bin/time", "-f", "%M", "-o", peakPath] + program : program
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = argv.map { strdup($0) } + [nil]
        let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in args + env { free(p) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        guard posix_spawnp(&pid, argv[0], &actions, nil, args, env) == 0 else {
            return ProcessRun(wallMs: 0, cpuMs: 0, peakKiB: 0, exitCode: -1, stdout: "cannot start \(argv[0])")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = ContinuousClock.now - start
        func cpuMs(_ t: timeval) -> Double { Double(t.tv_sec) * 1e3 + Double(t.tv_usec) / 1e3 }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let peakKiB = peak ? Int(((try? String(contentsOfFile: peakPath, encoding: .utf8)) ?? "")
            .split(separator: "\n").last.map(String.init) ?? "") ?? 0 : 0
        unlink(outPath)
        unlink(peakPath)
        return ProcessRun(wallMs: ms(wall), cpuMs: cpuMs(usage.ru_utime) + cpuMs(usage.ru_stime), peakKiB: peakKiB,
                          exitCode: (status >> 8) & 0xff, stdout: out)
    }
}
