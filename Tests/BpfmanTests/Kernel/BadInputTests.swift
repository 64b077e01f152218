import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

@Suite("Bad input (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct BadInputTests {
    struct Case: CustomStringConvertible {
        var description: String
        var args: [String]
        var message: [String]
    }

    static func cases(_ veth: VethPair, notELF: String) -> [Case] {
        let xdp = TestPaths.example("xdp_counter"), globals = TestPaths.example("globals")
        let onVeth = ["xdp", "-i", veth.host, "-p", "5"]
        func load(_ path: String, _ name: String, extra: [String] = [], _ type: [String]) -> [String] {
            ["load", "file", "-p", path, "-n", name] + extra + type
        }
        return [
            Case(description: "missing file", args: load("/nonexistent/prog.o", "xdp_stats", onVeth),
                 message: ["bytecode file /nonexistent/prog.o does not exist"]),
            Case(description: "not an ELF", args: load(notELF, "xdp_stats", onVeth),
                 message: ["\(notELF) is not an ELF object file"]),
            Case(description: "unknown function name", args: load(xdp, "nope", onVeth),
                 message: ["no program named \"nope\" in \(xdp)", "it has: xdp_stats"]),
            Case(description: "verifier rejection", args: load(TestPaths.testdata("bad_verifier.bpf.o"), "bad_prog", onVeth),
                 message: ["the verifier rejected program bad_prog", "verifier log (last lines):", "invalid access to packet"]),
            Case(description: "unknown interface (after the kernel load)", args: load(xdp, "xdp_stats", ["xdp", "-i", "eno1235", "-p", "5"]),
                 message: ["interface \"eno1235\" not found"]),
            Case(description: "invalid interface name", args: load(xdp, "xdp_stats", ["xdp", "-i", "invalid/interface/%22erwt", "-p", "5"]),
                 message: ["\"invalid/interface/%22erwt\" is not a valid interface name"]),
            Case(description: "unknown tracepoint", args: load(TestPaths.example("tracepoint_counter"), "tracepoint_openat",
                                                               ["tracepoint", "-t", "syscalls/sys_enter_nope"]),
                 message: ["tracepoint syscalls/sys_enter_nope does not exist"]),
            Case(description: "malformed tracepoint", args: load(TestPaths.example("tracepoint_counter"), "tracepoint_openat",
                                                                 ["tracepoint", "-t", "invalid"]),
                 message: ["tracepoint \"invalid\" is not a valid attach point"]),
            Case(description: "global with odd hex", args: load(globals, "xdp_globals", extra: ["-g", "GLOBAL_u8=6"], onVeth),
                 message: ["global GLOBAL_u8=6: odd number of hex digits"]),
            Case(description: "global with a non-hex byte", args: load(globals, "xdp_globals", extra: ["-g", "GLOBAL_u8=zz"], onVeth),
                 message: ["\"zz\" is not a hex byte"]),
            Case(description: "global of unknown name", args: load(globals, "xdp_globals", extra: ["-g", "NOPE=01"], onVeth),
                 message: ["global variable NOPE not found in .rodata, .data or .bss of \(globals)"]),
            Case(description: "global of the wrong size", args: load(globals, "xdp_globals", extra: ["-g", "GLOBAL_u32=01"], onVeth),
                 message: ["global GLOBAL_u32 in \(globals) is 4 bytes, but 1 were given"]),
            Case(description: "unknown map owner id", args: load(xdp, "xdp_stats", extra: ["--map-owner-id", "4000000000"], onVeth),
                 message: ["map owner program 4000000000 is not a bpfman program"]),
            Case(description: "wrong program type for the kind", args: load(xdp, "xdp_stats", ["tracepoint", "-t", "syscalls/sys_enter_openat"]),
                 message: ["program xdp_stats in \(xdp) is a xdp program (section \"xdp\"); it cannot be loaded as tracepoint"]),
            Case(description: "kretprobe with an offset", args: load(TestPaths.example("kprobe_counter"), "kretprobe_counter",
                                                                     ["kprobe", "-f", "do_unlinkat", "-o", "8", "-r"]),
                 message: ["offset not allowed for kretprobe"]),
            Case(description: "uprobe/uretprobe mismatch", args: load(TestPaths.example("uprobe_counter"), "uretprobe_counter",
                                                                      ["uprobe", "-t", "libc", "-f", "getpid"]),
                 message: ["expected uprobe, loaded program uretprobe_counter is a uretprobe"]),
            Case(description: "unknown uprobe target library", args: load(TestPaths.example("uprobe_counter"), "uprobe_counter",
                                                                          ["uprobe", "-t", "libnosuchlib", "-f", "x"]),
                 message: ["uprobe target library \"libnosuchlib\" not found"]),
            Case(description: "fentry on a kernel that refuses it", args: load(TestPaths.example("fentry_counter"), "test_fentry",
                                                                               ["fentry", "-f", "do_unlinkat"]),
                 message: ["the kernel refused to load fentry program test_fentry", "Operation not permitted"]),
            Case(description: "invalid proceed-on", args: load(xdp, "xdp_stats", ["xdp", "-i", veth.host, "-p", "5", "--proceed-on", "sideways"]),
                 message: ["invalid --proceed-on value \"sideways\" for xdp"]),
            Case(description: "invalid direction", args: load(TestPaths.example("tc_counter"), "stats", ["tc", "-d", "up", "-i", veth.host, "-p", "5"]),
                 message: ["up"]),
            Case(description: "TC priority out of range", args: load(TestPaths.example("tc_counter"), "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "70000"]),
                 message: ["TC priority 70000 is out of range"]),
            Case(description: "XDP priority out of range", args: load(xdp, "xdp_stats", ["xdp", "-i", veth.host, "-p", "1001"]),
                 message: ["XDP priority 1001 is out of range: use 0 to 1000"]),
            Case(description: "TCX priority out of range", args: load(TestPaths.example("tcx_counter"), "tcx_stats", ["tcx", "-d", "ingress", "-i", veth.host, "-p", "2000"]),
                 message: ["TCX priority 2000 is out of range: use 0 to 1000"]),
            Case(description: "invalid TC proceed-on", args: load(TestPaths.example("tc_counter"), "stats",
                                                                  ["tc", "-d", "ingress", "-i", veth.host, "-p", "5", "--proceed-on", "pass"]),
                 message: ["invalid --proceed-on value \"pass\" for tc", "use: unspec, ok"]),
            Case(description: "update of an unknown id", args: ["update", "4000000003", "--priority", "5"],
                 message: ["program 4000000003 does not exist or was not loaded by bpfman"]),
            Case(description: "netns that does not exist", args: load(xdp, "xdp_stats", ["xdp", "-i", "eth0", "-p", "5", "-n", "/var/run/netns/bpfman-none"]),
                 message: ["network namespace /var/run/netns/bpfman-none does not exist"]),
            Case(description: "netns path that is no network namespace", args: load(xdp, "xdp_stats", ["xdp", "-i", "eth0", "-p", "5", "-n", notELF]),
                 message: ["network namespace \(notELF) is not a network namespace"]),
            Case(description: "unload of an unknown id", args: ["unload", "4000000001"],
                 message: ["program 4000000001 does not exist or was not loaded by bpfman"]),
            Case(description: "get of an unknown id", args: ["get", "4000000002"], message: ["program 4000000002 does not exist"]),
            Case(description: "list of an unknown type", args: ["list", "-p", "nonsense"], message: ["unknown program type \"nonsense\""]),
            Case(description: "invalid metadata", args: load(xdp, "xdp_stats", extra: ["-m", "invalid metadata"], onVeth),
                 message: ["metadata \"invalid metadata\" is not KEY=VALUE"]),
        ]
    }

    @Test("each bad input fails with a message that says what and where, and leaves nothing behind")
    func badInputs() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let notELF = box.base + "/not-an-elf.o"
        try "just text\n".write(toFile: notELF, atomically: true, encoding: .utf8)
        let namesBefore = Self.kernelProgramIDs()
        for c in Self.cases(veth, notELF: notELF) {
            let r = try box.cli(c.args)
            #expect(r.status != 0, "\(c): succeeded but should fail")
            for m in c.message {
                #expect(r.stderr.contains(m), "\(c): message lacks \"\(m)\": \(r.stderr)")
            }
            #expect(!r.stderr.contains("Fatal error"), "\(c): crashed")
            #expect(box.pins().isEmpty, "\(c): left pins \(box.pins())")
            #expect(try box.records().isEmpty, "\(c): left a record")
        }
        #expect(!(try Shell.sh("ip link show dev \(veth.host)").contains("xdp")), "an XDP program stayed attached")
        #expect(try Shell.sh("tc filter show dev \(veth.host) ingress").isEmpty)
        // Programs that failed to attach are gone from the kernel once their
        // last descriptor closes (freed after an RCU grace period).
        var leaked: Set<UInt32> = []
        for _ in 0..<50 {
            leaked = Self.kernelProgramIDs().subtracting(namesBefore)
            if leaked.isEmpty { break }
            usleep(100_000)
        }
        #expect(leaked.isEmpty, "kernel programs left behind: \(leaked)")
        // The CLI still works afterwards.
        #expect(try box.cli(["list"]).ok)
    }

    /// Ids of kernel programs with the names the cases use.
    static func kernelProgramIDs() -> Set<UInt32> {
        let names: Set<String> = ["xdp_stats", "bad_prog", "xdp_globals", "tracepoint_open", "test_fentry", "stats",
                                  "uprobe_counter", "uretprobe_count", "kretprobe_count"]
        return Set(KernelPrograms.allIDs().filter { id in KernelPrograms.info(id: id).map { names.contains($0.name) } ?? false })
    }
}
