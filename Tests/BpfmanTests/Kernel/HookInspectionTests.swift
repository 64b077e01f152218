import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

/// `bpfman dispatcher list|get` on the host kernel, where XDP and TC run
/// without dispatchers: the mode says so, and slots follow priority.
@Suite("hook inspection (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct HookInspectionTests {
    @Test("dispatcher list and get show each hook's mode and its programs in order")
    func listAndGet() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let tc = TestPaths.example("tc_counter"), tcx = TestPaths.example("tcx_counter"), xdp = TestPaths.example("xdp_counter")
        let tcLate = try box.load(tc, "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "40"])
        let tcEarly = try box.load(tc, "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "10", "--proceed-on", "ok,pipe"])
        let x = try box.load(xdp, "xdp_stats", ["xdp", "-i", veth.host, "-p", "5"])
        let t = try box.load(tcx, "tcx_stats", ["tcx", "-d", "egress", "-i", veth.host, "-p", "7"])

        let list = try box.cli(["dispatcher", "list"])
        #expect(list.ok, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("Mode") == true && lines.count == 4, "\(list.stdout)")
        #expect(lines.contains { $0.contains("xdp") && $0.contains("single program (no dispatcher)") })
        #expect(lines.contains { $0.contains(" tc ") && $0.contains("ingress") && $0.contains("cls_bpf filter chain") && $0.hasSuffix("2") })
        #expect(lines.contains { $0.contains("tcx") && $0.contains("egress") && $0.contains("tcx (kernel multi-program)") })

        let get = try box.cli(["dispatcher", "get", veth.host, "-t", "tc"])
        #expect(get.ok, "\(get.stderr)")
        let slotLines = get.stdout.split(separator: "\n").filter { $0.contains("stats") }.map(String.init)
        #expect(slotLines.count == 2, "\(get.stdout)")
        #expect(slotLines.first?.contains("\(tcEarly.kernel.id)") == true && slotLines.first?.contains("ok, pipe") == true, "priority 10 first: \(get.stdout)")
        #expect(slotLines.last?.contains("\(tcLate.kernel.id)") == true)

        struct Hook: Decodable { var type: String; var slots: [Slot]; struct Slot: Decodable { var programID: UInt32; var position: Int } }
        let json = try box.cliJSON([Hook].self, ["dispatcher", "get", veth.host])
        #expect(Set(json.map(\.type)) == ["xdp", "tc", "tcx"])
        #expect(json.first { $0.type == "tc" }?.slots.map(\.programID) == [tcEarly.kernel.id, tcLate.kernel.id])
        #expect(json.first { $0.type == "xdp" }?.slots.map(\.programID) == [x.kernel.id])
        #expect(json.first { $0.type == "tcx" }?.slots.map(\.programID) == [t.kernel.id])

        // Bad input: no programs there, an unknown type.
        let none = try box.cli(["dispatcher", "get", "nosuchif0"])
        #expect(!none.ok && none.stderr.contains("bpfman has no programs on nosuchif0"), "\(none.stderr)")
        let bad = try box.cli(["dispatcher", "get", veth.host, "-t", "sched"])
        #expect(!bad.ok && bad.stderr.contains("--type must be xdp, tc or tcx"), "\(bad.stderr)")

        for id in [tcLate, tcEarly, x, t].map(\.kernel.id) { #expect(try box.cli(["unload", "\(id)"]).ok) }
        let empty = try box.cli(["dispatcher", "list"])
        #expect(empty.stdout.split(separator: "\n").count == 1, "only the header once nothing is loaded: \(empty.stdout)")
    }
}
