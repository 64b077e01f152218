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

    /// A dispatcher loaded with a config (its entry point returned).
    static func dispatcher(_ config: DispatcherConfig, compatTest: Bool = false) throws -> (BpfObject, Int32) {
        let obj = try BpfObject(path: TestPaths.bpfDirectory + "/dispatchers/xdp_dispatcher_v2.bpf.o")
        var bytes = config.bytes
        if compatTest { bytes[2] = 11 }
        try #require(try obj.global(named: "conf")).setInitialValue(bytes)
        for p in obj.programs { p.setAutoload(p.name == "xdp_dispatcher") }
        try obj.load()
        return (obj, try #require(obj.program(named: "xdp_dispatcher")).fd)
    }

    @Test("extensions linked into dispatcher slots run in slot order, honour proceed-on, and live in two revisions at once")
    func dispatcherSlots() throws {
        let all = Array(repeating: UInt32(1 << 31), count: DispatcherConfig.maxPrograms)
        let (testObj, testFD) = try Self.dispatcher(.init(hook: .xdp, masks: all), compatTest: true)
        // Two packet counters, loaded as extensions verified against compat_test.
        var counters: [(BpfObject, Int32, Int32)] = []
        for _ in 0..<2 {
            let o = try BpfObject(path: TestPaths.example("xdp_counter"))
            for m in o.maps { try m.setPinPath(nil) }
            let p = try #require(o.program(named: "xdp_stats"))
            try p.setExtensionTarget(programFD: testFD, function: "compat_test")
            try o.load()
            counters.append((o, p.fd, try #require(o.maps.first { $0.name == "xdp_stats_map" }).fd))
        }
        func count(_ i: Int) throws -> UInt64 { try MapAccess.lookupU64(fd: counters[i].2, key: 0) }
        let pass = DispatcherConfig.mask([XdpAction.pass, .dispatcherReturn])
        let onlyReturn = DispatcherConfig.mask([XdpAction.dispatcherReturn])

        // Revision 1: slot 0 proceeds on pass, so both run.
        let (rev1, rev1FD) = try Self.dispatcher(.init(hook: .xdp, masks: [pass, onlyReturn]))
        let l1 = [try NetworkLinks.linkExtension(programFD: counters[0].1, targetFD: rev1FD, function: "prog0"),
                  try NetworkLinks.linkExtension(programFD: counters[1].1, targetFD: rev1FD, function: "prog1")]
        #expect(try TestRun.run(programFD: rev1FD, input: TestRun.udpFrame).returnValue == 2)
        #expect(try count(0) == 1 && count(1) == 1)

        // Revision 2, the same programs also linked in: slot 0 no longer proceeds on pass, so the chain ends there.
        let (rev2, rev2FD) = try Self.dispatcher(.init(hook: .xdp, masks: [onlyReturn, onlyReturn]))
        let l2 = [try NetworkLinks.linkExtension(programFD: counters[0].1, targetFD: rev2FD, function: "prog0"),
                  try NetworkLinks.linkExtension(programFD: counters[1].1, targetFD: rev2FD, function: "prog1")]
        #expect(try TestRun.run(programFD: rev2FD, input: TestRun.udpFrame).returnValue == 2)
        #expect(try count(0) == 2 && count(1) == 1, "the second program did not run")
        // Revision 1 still runs both while revision 2 exists (make-before-break).
        _ = try TestRun.run(programFD: rev1FD, input: TestRun.udpFrame)
        #expect(try count(0) == 3 && count(1) == 2)
        withExtendedLifetime((testObj, counters.map(\.0), rev1, rev2, l1, l2)) {}
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
