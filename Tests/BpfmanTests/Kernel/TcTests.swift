import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

@Suite("TC and TCX on a veth (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct TcTests {
    @Test("TC ingress and egress counters count real packets; unload removes the filters")
    func tcIngressEgress() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let obj = TestPaths.example("tc_counter")
        let ingress = try box.load(obj, "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "10"])
        let egress = try box.load(obj, "stats", ["tc", "-d", "egress", "-i", veth.host, "-p", "10"])
        // Without the dispatcher each program is a filter at tc priority (pref) = its priority + 1.
        #expect(try Shell.sh("tc filter show dev \(veth.host) ingress").contains("pref 11 "))
        let (i0, e0) = (try box.counter(ingress, map: "tc_stats_map", key: 0), try box.counter(egress, map: "tc_stats_map", key: 0))
        try veth.sendToHost(12)
        try veth.sendToPeer(9)
        #expect(try box.counter(ingress, map: "tc_stats_map", key: 0) - i0 >= 12)
        #expect(try box.counter(egress, map: "tc_stats_map", key: 0) - e0 >= 9)
        #expect(try box.cli(["unload", "\(ingress.kernel.id)"]).ok)
        #expect(try box.cli(["unload", "\(egress.kernel.id)"]).ok)
        #expect(try Shell.sh("tc filter show dev \(veth.host) ingress").isEmpty)
        #expect(try Shell.sh("tc filter show dev \(veth.host) egress").isEmpty)
        #expect(box.pins().isEmpty)
    }

    /// Two tcx_counter programs share a map; key 0 holds the tag of the one
    /// that ran last on the last packet, so it shows the run order.
    @Test("the clsact qdisc bpfman made goes with the last filter on it; one that was there before stays; one someone else's filter shares stays until that filter goes")
    func clsactOwnership() throws {
        let box = try Sandbox()
        let obj = TestPaths.example("tc_counter")
        func load(_ veth: VethPair, _ direction: String) throws -> UInt32 {
            try box.load(obj, "stats", ["tc", "-d", direction, "-i", veth.host, "-p", "10"]).kernel.id
        }
        // Made by bpfman: it goes when the last of its filters, in either direction, goes.
        let ours = try VethPair()
        #expect(try !KernelTruth.hasClsact(dev: ours.host))
        let (a, b) = (try load(ours, "ingress"), try load(ours, "egress"))
        #expect(try KernelTruth.hasClsact(dev: ours.host))
        #expect(try box.cli(["unload", "\(a)"]).ok)
        #expect(try KernelTruth.hasClsact(dev: ours.host), "the egress filter still needs it")
        #expect(try box.cli(["unload", "\(b)"]).ok)
        #expect(try !KernelTruth.hasClsact(dev: ours.host), "bpfman made it, and nothing is on it now")

        // There before bpfman: it stays.
        let theirs = try VethPair()
        try Shell.sh("tc qdisc add dev \(theirs.host) clsact")
        #expect(try box.cli(["unload", "\(try load(theirs, "ingress"))"]).ok)
        #expect(try KernelTruth.hasClsact(dev: theirs.host), "a qdisc bpfman did not make stays")

        // Made by bpfman, then shared: someone else's filter keeps it; once that goes, the next change removes it.
        let shared = try VethPair()
        let c = try load(shared, "ingress")
        try Shell.sh("tc filter add dev \(shared.host) egress pref 77 u32 match u32 0 0 flowid 1:1")
        #expect(try box.cli(["unload", "\(c)"]).ok)
        #expect(try KernelTruth.hasClsact(dev: shared.host), "another's filter is on it")
        #expect(try KernelTruth.filters(dev: shared.host, direction: "egress").contains { $0.kind == "u32" })
        try Shell.sh("tc filter del dev \(shared.host) egress pref 77")
        let tp = try box.load(TestPaths.example("tracepoint_counter"), "tracepoint_openat", ["tracepoint", "-t", "syscalls/sys_enter_openat"])
        #expect(try !KernelTruth.hasClsact(dev: shared.host), "the repair before the next change removes the now empty qdisc")
        #expect(try box.cli(["unload", "\(tp.kernel.id)"]).ok)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(box.paths.stateDir)/qdiscs").isEmpty)
    }

    @Test("two TCX programs on one hook run in priority order, whatever the load order")
    func tcxOrder() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let obj = TestPaths.example("tcx_counter")
        // Load the later-running one (priority 20, tag 2) first.
        let late = try box.load(obj, "tcx_stats", extra: ["-g", "tag=02000000"], ["tcx", "-d", "ingress", "-i", veth.host, "-p", "20"])
        let early = try box.load(obj, "tcx_stats", extra: ["-g", "tag=01000000", "--map-owner-id", "\(late.kernel.id)"],
                                 ["tcx", "-d", "ingress", "-i", veth.host, "-p", "10"])
        try veth.sendToHost(10)
        #expect(try box.counter(late, map: "tcx_stats_map", key: 0) == 2, "priority 20 must run after priority 10")
        #expect(try box.counter(late, map: "tcx_stats_map", key: 1) >= 10, "the priority 10 program ran")
        #expect(try box.counter(late, map: "tcx_stats_map", key: 2) >= 10, "the priority 20 program ran")
        let positions = try box.cliJSON([ProgramEntry].self, ["list"]).reduce(into: [UInt32: Int]()) {
            $0[$1.kernel.id] = $1.record?.attachment.position
        }
        #expect(positions == [early.kernel.id: 0, late.kernel.id: 1])

        // A third at priority 30 goes last; removing the first renumbers.
        let last = try box.load(obj, "tcx_stats", extra: ["-g", "tag=03000000", "--map-owner-id", "\(late.kernel.id)"],
                                ["tcx", "-d", "ingress", "-i", veth.host, "-p", "30"])
        try veth.sendToHost(5)
        #expect(try box.counter(late, map: "tcx_stats_map", key: 0) == 3)
        #expect(try box.cli(["unload", "\(early.kernel.id)"]).ok)
        let after = try box.cliJSON([ProgramEntry].self, ["list"]).reduce(into: [UInt32: Int]()) {
            $0[$1.kernel.id] = $1.record?.attachment.position
        }
        #expect(after == [late.kernel.id: 0, last.kernel.id: 1])
    }
}
