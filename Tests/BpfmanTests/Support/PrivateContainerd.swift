import Foundation
import TestHelpers

/// Debian's containerd with a root, state and socket of its own (nothing
/// shared with any other containerd on the machine), driven with `ctr` in
/// namespace `bpfman-test`. Stopped, and its directories removed, on deinit.
final class PrivateContainerd: @unchecked Sendable {
    let dir: String
    var socket: String { dir + "/containerd.sock" }
    private let process = Process()

    init() throws {
        dir = "/tmp/bpfman-ctrd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
            version = 2
            root = "\(dir)/root"
            state = "\(dir)/state"
            [grpc]
              address = "\(dir)/containerd.sock"
            [ttrpc]
              address = "\(dir)/containerd.sock.ttrpc"
            [plugins."io.containerd.grpc.v1.cri"]
              disable_apparmor = true
            """.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: Which.path("containerd"))
        process.arguments = ["--config", dir + "/config.toml"]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = (env["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"  // runc is in /usr/sbin
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: dir + "/containerd.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: dir + "/containerd.log")
        try process.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(100_000) }
        guard try ctr(["version"]).ok else { throw Shell.ShellError(command: "containerd", result: .init(status: 1, stdout: "", stderr: log)) }
    }

    var log: String { (try? String(contentsOfFile: dir + "/containerd.log", encoding: .utf8)) ?? "" }

    func ctr(_ args: [String]) throws -> Shell.Result {
        try Shell.run(Which.path("ctr"), ["--address", socket, "--namespace", "bpfman-test"] + args)
    }

    deinit {
        if let list = try? ctr(["tasks", "ls", "-q"]) {
            for id in list.stdout.split(separator: "\n") { _ = try? ctr(["tasks", "kill", "-s", "SIGKILL", String(id)]) }
        }
        usleep(300_000)
        if let list = try? ctr(["containers", "ls", "-q"]) {
            for id in list.stdout.split(separator: "\n") {
                _ = try? ctr(["tasks", "delete", "-f", String(id)])
                _ = try? ctr(["containers", "delete", String(id)])
            }
        }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        _ = try? Shell.sh("for m in $(awk '$2 ~ \"^\(dir)/\" {print $2}' /proc/self/mounts | sort -r); do umount -l \"$m\"; done")
        try? FileManager.default.removeItem(atPath: dir)
    }
}
