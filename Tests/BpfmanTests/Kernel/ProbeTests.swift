import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

@Suite("Tracepoints and uprobes (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct ProbeTests {
    static func le32(_ v: UInt32) -> String {
        withUnsafeBytes(of: v.littleEndian) { $0.map { String(format: "%02X", $0) }.joined() }
    }

    @Test("a tracepoint counter counts the openat calls this test makes; its tag is the kernel's")
    func tracepointOpenat() throws {
        let box = try Sandbox()
        let e = try box.load(TestPaths.example("tracepoint_counter"), "tracepoint_openat",
                             extra: ["-g", "tgid=\(Self.le32(UInt32(getpid())))"],
                             ["tracepoint", "-t", "syscalls/sys_enter_openat"])
        let before = try box.counter(e, map: "tracepoint_stats_map", key: 0)
        for _ in 0..<25 {
            let fd = open("/proc/self/stat", O_RDONLY)
            if fd >= 0 { close(fd) }
        }
        let delta = try box.counter(e, map: "tracepoint_stats_map", key: 0) - before
        #expect(delta >= 25, "counted \(delta) of 25 openat calls")
        // The tag bpfman reports is the kernel's, as bpftool prints it.
        let shown = try Shell.run("/usr/sbin/bpftool", ["prog", "show", "id", "\(e.kernel.id)", "--json"]).stdout
        let tag = (try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])?["tag"] as? String
        #expect(tag?.count == 16 && tag == e.kernel.tag, "bpftool: \(tag ?? shown), bpfman: \(e.kernel.tag)")
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        #expect(box.pins().isEmpty)
    }

    @Test("a uprobe counts calls to a function of a test binary; a uretprobe sees its return value")
    func uprobeAndUretprobe() throws {
        let box = try Sandbox()
        let target = TestPaths.testdata("uprobe_target")
        let obj = TestPaths.example("uprobe_counter")
        let entry = try box.load(obj, "uprobe_counter", ["uprobe", "-t", target, "-f", "bpfman_test_fn"])
        let ret = try box.load(obj, "uretprobe_counter", extra: ["--map-owner-id", "\(entry.kernel.id)"],
                               ["uprobe", "-t", target, "-f", "bpfman_test_fn", "-r"])
        let r = try Shell.run(target, ["7"])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "13")
        #expect(try box.counter(entry, map: "uprobe_stats_map", key: 0) == 7)
        #expect(try box.counter(entry, map: "uprobe_stats_map", key: 1) == 7)
        #expect(try box.counter(entry, map: "uprobe_stats_map", key: 2) == 13, "uretprobe must see the return value")
        #expect(try box.cli(["unload", "\(ret.kernel.id)"]).ok)
        _ = try Shell.run(target, ["3"])
        #expect(try box.counter(entry, map: "uprobe_stats_map", key: 0) == 10)
        #expect(try box.counter(entry, map: "uprobe_stats_map", key: 1) == 7, "the unloaded uretprobe must not fire")
    }

    @Test("a uprobe on a library found by name (libc) with a pid filter")
    func uprobeLibraryByName() throws {
        let box = try Sandbox()
        let e = try box.load(TestPaths.example("uprobe_counter"), "uprobe_counter",
                             ["uprobe", "-t", "libc", "-f", "getpid", "--pid", "\(getpid())"])
        guard case .uprobe(let u) = e.record?.attach else { Issue.record("not a uprobe"); return }
        #expect(u.target == "libc")
        let before = try box.counter(e, map: "uprobe_stats_map", key: 0)
        for _ in 0..<5 { _ = getpid() }
        #expect(try box.counter(e, map: "uprobe_stats_map", key: 0) - before >= 5)
    }

    @Test("a uprobe with a container pid finds its target in that process's mount namespace and counts calls made there")
    func uprobeInContainer() throws {
        let box = try Sandbox()
        let dir = "/tmp/bpfman-ctr-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The "container": its own mount namespace with the binary on a tmpfs only it sees.
        let ctr = Process()
        ctr.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        ctr.arguments = ["-m", "--propagation", "private", "sh", "-c",
                         "mount -t tmpfs none \(dir) && cp \(TestPaths.testdata("uprobe_target")) \(dir)/app && exec sleep 600"]
        ctr.standardOutput = FileHandle.nullDevice
        ctr.standardError = FileHandle.nullDevice
        try ctr.run()
        defer { kill(ctr.processIdentifier, SIGKILL); ctr.waitUntilExit() }
        let pid = ctr.processIdentifier
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: "/proc/\(pid)/root\(dir)/app") { usleep(100_000) }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/app"), "the host must not see the container's file")

        // Without the container pid the path is not there: a clear error, nothing made.
        let args = ["load", "file", "-p", TestPaths.example("uprobe_counter"), "-n", "uprobe_counter",
                    "uprobe", "-t", "\(dir)/app", "-f", "bpfman_test_fn"]
        let refused = try box.cli(args)
        #expect(!refused.ok && refused.stderr.contains("does not exist"), "\(refused.stderr)")
        let gone = try box.cli(args + ["--container-pid", "999999999"])
        #expect(!gone.ok && gone.stderr.contains("container pid 999999999 does not exist"), "\(gone.stderr)")
        #expect(try box.pins().isEmpty && box.records().isEmpty)

        let e = try box.load(TestPaths.example("uprobe_counter"), "uprobe_counter",
                             ["uprobe", "-t", "\(dir)/app", "-f", "bpfman_test_fn", "--container-pid", "\(pid)"])
        guard case .uprobe(let u) = e.record?.attach else { Issue.record("not a uprobe"); return }
        #expect(u.target == "\(dir)/app" && u.containerPid == pid)
        let run = try Shell.run("/usr/bin/nsenter", ["-t", "\(pid)", "-m", "\(dir)/app", "6"])
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "11")
        #expect(try box.counter(e, map: "uprobe_stats_map", key: 0) == 6, "calls inside the container were not counted")
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        #expect(box.pins().isEmpty)
    }
}
