import Foundation
import Glibc
import Testing
import TestHelpers

/// The CLI is a process per operation: a command that needs no registry runs
/// on its one thread, without starting Swift concurrency's (a dispatch manager
/// and workers, about a millisecond of every start); only registry work goes
/// through `AsyncBridge`.
@Suite("The CLI as a process (host)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct CLIThreadTests {
    @Test("`bpfman unload`, caught waiting for the store's lock, is one thread; it goes on and answers once the lock is free")
    func unloadRunsOnOneThread() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.paths.stateDir, withIntermediateDirectories: true)
        let lock = open(box.paths.stateDir + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(lock >= 0)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX) == 0)

        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: TestPaths.bpfman)
        cli.arguments = ["unload", "4000000"]
        cli.environment = box.env
        let stderr = Pipe()
        cli.standardError = stderr
        try cli.run()
        let pid = cli.processIdentifier
        // Until one of its threads sits in flock(2) (73 on x86_64) on the lock held above.
        func tasks() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] }
        func waitingInFlock() -> Bool {
            tasks().contains { (try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/syscall", encoding: .utf8))?.hasPrefix("73 ") == true }
        }
        let deadline = Date().addingTimeInterval(20)
        while !waitingInFlock() && cli.isRunning && Date() < deadline { usleep(20_000) }
        #expect(waitingInFlock(), "bpfman unload never waited for the store lock")
        #expect(tasks().count == 1, "bpfman unload runs \(tasks().count) threads: \(tasks())")

        flock(lock, LOCK_UN)
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 1)
        #expect(message.contains("program 4000000 does not exist"), "\(message)")
    }

    @Test("`image …` and `load image …` run bpfman-image from beside bpfman; a bpfman without it refuses them naming it, and runs the rest")
    func imageCommandsRunBesideBinary() throws {
        let help = try Shell.run(TestPaths.bpfman, ["image", "--help"])
        #expect(help.ok && help.stdout.contains("USAGE: bpfman image <subcommand>") && help.stdout.contains("sign"), "\(help.stdout)\(help.stderr)")
        let pullHelp = try Shell.run(TestPaths.bpfman, ["image", "pull", "--help"])
        #expect(pullHelp.ok && pullHelp.stdout.contains("USAGE: bpfman image pull --image-url"), "\(pullHelp.stdout)")

        let dir = NSTemporaryDirectory() + "bpfman-alone-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: TestPaths.bpfman, toPath: dir + "/bpfman")
        for args in [["image", "pull", "-i", "localhost:5000/x:v1"], ["load", "image", "-i", "localhost:5000/x:v1", "-n", "f", "tracepoint", "--tracepoint", "a/b"]] {
            let r = try Shell.run(dir + "/bpfman", args)
            #expect(r.status == 1 && r.stderr.contains("image commands are run by bpfman-image, which is not installed beside \(dir)/bpfman"),
                    "\(args): \(r.stderr)")
        }
        #expect(try Shell.run(dir + "/bpfman", ["unload", "--help"]).ok)
    }
}
