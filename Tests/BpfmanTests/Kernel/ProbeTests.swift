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

    @Test("a tracepoint counter counts the openat calls this test makes")
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
}
