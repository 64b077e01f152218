import BpfKernel
import Bpfman
import Foundation
import Testing

@Suite("Global data (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct GlobalDataTests {
    /// globals.bpf.c copies its globals into globals_map on every packet.
    func observed(_ box: Sandbox, _ veth: VethPair, globals: [String]) throws -> [UInt64] {
        let e = try box.load(TestPaths.example("globals"), "xdp_globals", extra: globals.isEmpty ? [] : ["-g"] + globals,
                             ["xdp", "-i", veth.host, "-p", "50"])
        try veth.sendToHost(3)
        let values = try (0..<4).map { try box.counter(e, map: "globals_map", key: UInt32($0)) }
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        return values
    }

    @Test("overrides of .rodata, .data and .bss globals change what the program does")
    func overridesTakeEffect() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        #expect(try observed(box, veth, globals: []) == [0, 0, 7, 0], "defaults from the object")
        let values = try observed(box, veth, globals: [
            "GLOBAL_u8=61", "GLOBAL_u32=0D0C0B0A", "data_u32=2A000000", "bss_u64=0100000000000080",
        ])
        #expect(values == [0x61, 0x0A0B_0C0D, 42, 0x8000_0000_0000_0001])
    }

    @Test("global data is shown back in upper-case hex and survives in the record")
    func shownBack() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let r = try box.cli(["load", "file", "-p", TestPaths.example("globals"), "-n", "xdp_globals",
                             "-g", "GLOBAL_u8=61", "GLOBAL_u32=0d0c0b0a", "xdp", "-i", veth.host, "-p", "5"])
        #expect(r.ok, "\(r.stderr)")
        #expect(r.stdout.contains(" Global:             GLOBAL_u32=0D0C0B0A\n"))
        #expect(r.stdout.contains("\n                     GLOBAL_u8=61\n"))
        #expect(try box.records().first?.globalData["GLOBAL_u32"] == [0x0D, 0x0C, 0x0B, 0x0A])
    }
}
