import Foundation
import TestHelpers

/// A clean clone of this checkout in a directory of its own, for `make
/// run-local` as a person runs it: with the Swift products this test run
/// built (the clone builds its BPF programs itself, not the Swift products
/// again: minutes of CPU). `finish` stops whatever run-local left and removes it all.
struct RunLocalClone {
    let work: String
    var clone: String { work + "/clone" }
    /// The directory of this test run's binaries (BPFMAN_BIN_DIR).
    let bin: String

    init(prefix: String) throws {
        work = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
        bin = (TestPaths.binary("kubesim") as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let cloned = try Shell.run(Which.path("git"), ["clone", "-q", TestPaths.root, work + "/clone"])
        guard cloned.ok else { throw Shell.ShellError(command: "git clone", result: cloned) }
    }

    /// `make -C clone TARGET` with `env`, its output kept in the work directory.
    func make(_ target: String, env: [String: String] = [:]) async throws -> Spawn.Result {
        try await Spawn.run(["/usr/bin/make", "-C", clone, "--no-print-directory", target], env: env, outputFile: "\(work)/\(target).out")
    }

    func finish() {
        if FileManager.default.fileExists(atPath: clone + "/.run-local") { _ = system("make -C '\(clone)' --no-print-directory stop-local >/dev/null 2>&1") }
        try? FileManager.default.removeItem(atPath: work)
    }
}
