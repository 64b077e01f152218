import BpfKernel
import Bpfman
import Foundation
import Testing

/// Program types the host kernel refuses or lacks; these run inside Debian's
/// 6.1 kernel under virtme-ng (`make test-vm`, part of `make test`).
@Suite("VM tier: kprobes and fentry/fexit (guest kernel)", .serialized,
       .enabled(if: Tier.inVM && Tier.isRoot, "runs only inside the guest kernel: make test-vm boots it"))
struct VMTierTests {
    static var tgid: String {
        withUnsafeBytes(of: UInt32(getpid()).littleEndian) { $0.map { String(format: "%02X", $0) }.joined() }
    }

    /// unlink(2) reaches the kernel's do_unlinkat.
    static func unlinkFiles(_ count: Int) throws {
        let dir = "/tmp/bpfman-vm-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<count {
            let f = "\(dir)/f\(i)"
            FileManager.default.createFile(atPath: f, contents: Data())
            #expect(unlink(f) == 0)
        }
    }

    @Test("the guest kernel accepts freplace: the dispatcher probe says supported")
    func freplaceProbe() {
        let outcome = FreplaceProbe.probe(dispatcherObject: TestPaths.bpfDirectory + "/dispatchers/xdp_dispatcher_v2.bpf.o",
                                          extensionObject: TestPaths.testdata("plain_xdp.bpf.o"), extensionFunction: "plain_xdp")
        #expect(outcome == .supported, "\(outcome)")
    }

    @Test("kprobe and kretprobe counters count do_unlinkat calls")
    func kprobes() throws {
        let box = try Sandbox()
        let obj = TestPaths.example("kprobe_counter")
        let entry = try box.load(obj, "kprobe_counter", extra: ["-g", "tgid=\(Self.tgid)"], ["kprobe", "-f", "do_unlinkat"])
        let ret = try box.load(obj, "kretprobe_counter", extra: ["-g", "tgid=\(Self.tgid)", "--map-owner-id", "\(entry.kernel.id)"],
                               ["kprobe", "-f", "do_unlinkat", "-r"])
        guard case .kprobe(let k) = ret.record?.attach else { Issue.record("not a kprobe record"); return }
        #expect(k.retprobe)
        try Self.unlinkFiles(8)
        #expect(try box.counter(entry, map: "kprobe_stats_map", key: 0) >= 8)
        #expect(try box.counter(entry, map: "kprobe_stats_map", key: 1) >= 8)
        let table = try box.cli(["get", "\(ret.kernel.id)"]).stdout
        #expect(table.contains(try Regex(#"\n Probe Type: {2,}kretprobe\n Function Name: {2,}do_unlinkat\n"#)), "\(table)")
        for id in [ret.kernel.id, entry.kernel.id] { #expect(try box.cli(["unload", "\(id)"]).ok) }
        #expect(box.pins().isEmpty)
    }

    @Test("fentry and fexit counters count do_unlinkat calls")
    func fentryFexit() throws {
        let box = try Sandbox()
        let obj = TestPaths.example("fentry_counter")
        let entry = try box.load(obj, "test_fentry", extra: ["-g", "tgid=\(Self.tgid)"], ["fentry", "-f", "do_unlinkat"])
        let exit = try box.load(obj, "test_fexit", extra: ["-g", "tgid=\(Self.tgid)", "--map-owner-id", "\(entry.kernel.id)"],
                                ["fexit", "-f", "do_unlinkat"])
        try Self.unlinkFiles(6)
        #expect(try box.counter(entry, map: "fentry_stats_map", key: 0) >= 6)
        #expect(try box.counter(entry, map: "fentry_stats_map", key: 1) >= 6)
        #expect(try box.cliJSON([ProgramEntry].self, ["list", "-p", "tracing"]).map(\.kernel.id).sorted()
                == [entry.kernel.id, exit.kernel.id].sorted())
        for id in [exit.kernel.id, entry.kernel.id] { #expect(try box.cli(["unload", "\(id)"]).ok) }
        #expect(box.pins().isEmpty)
    }

    @Test("bad kprobe and fentry targets fail clearly and leave nothing")
    func badTargets() throws {
        let box = try Sandbox()
        let k = try box.cli(["load", "file", "-p", TestPaths.example("kprobe_counter"), "-n", "kprobe_counter",
                             "kprobe", "-f", "no_such_kernel_function_x"])
        #expect(!k.ok)
        #expect(k.stderr.contains("cannot attach kprobe program"), "\(k.stderr)")
        let f = try box.cli(["load", "file", "-p", TestPaths.example("fentry_counter"), "-n", "test_fentry",
                             "fentry", "-f", "no_such_kernel_function_x"])
        #expect(!f.ok)
        #expect(f.stderr.contains("kernel function no_such_kernel_function_x for fentry not found"), "\(f.stderr)")
        #expect(box.pins().isEmpty)
        #expect(try box.records().isEmpty)
    }
}
