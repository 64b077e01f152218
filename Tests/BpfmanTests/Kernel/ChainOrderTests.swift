import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

/// Several programs on one hook where the kernel refuses extension programs
/// (this host): TC as a chain of filters, TCX through the kernel's own
/// ordering. The `turns` programs record, on real packets, which ran after which.
@Suite("Several programs on one hook without the dispatcher (host kernel)", .serialized,
       .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct ChainOrderTests {
    /// TC_ACT_UNSPEC and TCX_NEXT: the value that lets the next program run.
    static let next: Int32 = -1

    static func load(_ box: Sandbox, _ function: String, tag: UInt32, owner: ProgramEntry?, _ type: [String]) throws -> ProgramEntry {
        let share = owner.map { ["--map-owner-id", "\($0.kernel.id)"] } ?? []
        return try box.load(TestPaths.testdata("turns.bpf.o"), function,
                            extra: Turns.globals(tag: tag, verdict: next, neutral: next) + share, type)
    }

    /// Loads tags 3, 1, 2 at priorities 30, 10, 20 (so load order is not run order).
    static func threeOnOneHook(_ box: Sandbox, _ function: String, _ type: (Int32) -> [String]) throws -> [UInt32: ProgramEntry] {
        let third = try load(box, function, tag: 3, owner: nil, type(30))
        let first = try load(box, function, tag: 1, owner: third, type(10))
        let second = try load(box, function, tag: 2, owner: third, type(20))
        return [1: first, 2: second, 3: third]
    }

    /// Sends `n` test packets into the host end and checks the chain ran
    /// `order` on each, and never the reverse of a step.
    static func expectOrder(_ order: [UInt32], turns: Turns, veth: VethPair, receiver: UDPReceiver, n: Int = 20,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectOrder(order, turns: turns, sender: UDPSender(to: veth.hostIP, netns: veth.netnsPath), receiver: receiver, n: n,
                        sourceLocation: sourceLocation)
    }

    /// Sends `n` test packets from `sender` to `receiver`; all must arrive.
    static func expectOrder(_ order: [UInt32], turns: Turns, sender: UDPSender, receiver: UDPReceiver, n: Int = 20,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try turns.pairs()
        let got = receiver.drain()
        #expect(sender.send(n) == n)
        #expect(receiver.settle() - got == n, "packets lost on the way", sourceLocation: sourceLocation)
        let after = try turns.pairs()
        func delta(_ a: UInt32, _ b: UInt32) -> UInt64 { (after["\(a)>\(b)"] ?? 0) - (before["\(a)>\(b)"] ?? 0) }
        for (a, b) in zip(order, order.dropFirst()) {
            #expect(delta(a, b) >= UInt64(n), "\(b) should run right after \(a): \(after)", sourceLocation: sourceLocation)
            // Each CPU remembers the last program of the previous burst, so the
            // first packet of a burst may pair that one with this burst's first: at most one per CPU.
            #expect(delta(b, a) <= UInt64(ProcessInfo.processInfo.activeProcessorCount),
                    "\(a) ran right after \(b): \(after)", sourceLocation: sourceLocation)
        }
    }

    static func positions(_ box: Sandbox) throws -> [UInt32: Int] {
        try box.cliJSON([ProgramEntry].self, ["list"]).reduce(into: [:]) { $0[$1.kernel.id] = $1.record?.attachment.position }
    }

    @Test("TC filters run in priority order on real packets; update moves one in place, same program and maps")
    func tcFilterChain() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let receiver = try UDPReceiver(ip: veth.hostIP)
        let p = try Self.threeOnOneHook(box, "tc_turn") { ["tc", "-d", "ingress", "-i", veth.host, "-p", "\($0)"] }
        let turns = try Turns(p[3]!)
        try Self.expectOrder([1, 2, 3], turns: turns, veth: veth, receiver: receiver)
        #expect(try Self.positions(box) == [p[1]!.kernel.id: 0, p[2]!.kernel.id: 1, p[3]!.kernel.id: 2])
        let hooks = try box.cliJSON([HookView].self, ["dispatcher", "list"])
        #expect(hooks.map(\.mode) == [.filterChain])

        // Tag 1 moves from priority 10 to 40: now last.
        let moved = try box.cliJSON(ProgramEntry.self, ["update", "\(p[1]!.kernel.id)", "--priority", "40"])
        #expect(moved.kernel.id == p[1]!.kernel.id && moved.kernel.mapIDs == p[1]!.kernel.mapIDs)
        #expect(moved.record?.attachment.position == 2 && moved.record?.attachment.tcPriority == 41, "filter priority = priority + 1")
        try Self.expectOrder([2, 3, 1], turns: turns, veth: veth, receiver: receiver)
        let filters = try Shell.sh("tc filter show dev \(veth.host) ingress")
        #expect(filters.contains("pref 41 ") && !filters.contains("pref 11 "), "\(filters)")
        #expect(try Self.positions(box) == [p[2]!.kernel.id: 0, p[3]!.kernel.id: 1, p[1]!.kernel.id: 2])

        // Priority 0, which no tc filter can have: it runs first, as filter priority 1.
        let zero = try box.cliJSON(ProgramEntry.self, ["update", "\(p[3]!.kernel.id)", "--priority", "0"])
        #expect(zero.record?.attachment.position == 0 && zero.record?.attachment.tcPriority == 1)
        try Self.expectOrder([3, 2, 1], turns: turns, veth: veth, receiver: receiver)
        #expect(try Shell.sh("tc filter show dev \(veth.host) ingress").contains("pref 1 "))
    }

    @Test("three TCX programs run in priority order on real packets; update reorders in place")
    func tcxThree() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let receiver = try UDPReceiver(ip: veth.hostIP)
        let p = try Self.threeOnOneHook(box, "tc_turn") { ["tcx", "-d", "ingress", "-i", veth.host, "-p", "\($0)"] }
        let turns = try Turns(p[3]!)
        try Self.expectOrder([1, 2, 3], turns: turns, veth: veth, receiver: receiver)

        let moved = try box.cliJSON(ProgramEntry.self, ["update", "\(p[3]!.kernel.id)", "--priority", "5"])
        #expect(moved.kernel.id == p[3]!.kernel.id && moved.kernel.mapIDs == p[3]!.kernel.mapIDs)
        try Self.expectOrder([3, 1, 2], turns: turns, veth: veth, receiver: receiver)
        #expect(try Self.positions(box) == [p[3]!.kernel.id: 0, p[1]!.kernel.id: 1, p[2]!.kernel.id: 2])

        // TCX has no proceed-on; a tracepoint has no priority. Nothing changes.
        let bad = try box.cli(["update", "\(p[1]!.kernel.id)", "--proceed-on", "pass"])
        #expect(!bad.ok && bad.stderr.contains("TCX programs have no proceed-on"), "\(bad.stderr)")
        let range = try box.cli(["update", "\(p[1]!.kernel.id)", "--priority", "1001"])
        #expect(!range.ok && range.stderr.contains("TCX priority 1001 is out of range"), "\(range.stderr)")
        let none = try box.cli(["update", "\(p[1]!.kernel.id)"])
        #expect(!none.ok && none.stderr.contains("nothing to update"), "\(none.stderr)")
        #expect(try Self.positions(box) == [p[3]!.kernel.id: 0, p[1]!.kernel.id: 1, p[2]!.kernel.id: 2])
        try Self.expectOrder([3, 1, 2], turns: turns, veth: veth, receiver: receiver)
    }

    @Test("XDP without the dispatcher: update changes the record only; a second program is still refused")
    func xdpSingle() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let e = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", ["xdp", "-i", veth.host, "-p", "50"])
        let up = try box.cliJSON(ProgramEntry.self, ["update", "\(e.kernel.id)", "--priority", "7", "--proceed-on", "drop,pass"])
        guard case .xdp(let x) = up.record?.attach else { Issue.record("not XDP"); return }
        #expect(x.priority == 7 && x.proceedOn == [.drop, .pass] && up.kernel.id == e.kernel.id)
        let bad = try box.cli(["update", "\(e.kernel.id)", "--proceed-on", "sideways"])
        #expect(!bad.ok && bad.stderr.contains("invalid --proceed-on value \"sideways\" for xdp"), "\(bad.stderr)")
        let second = try box.cli(["load", "file", "-p", TestPaths.example("xdp_counter"), "-n", "xdp_stats", "xdp", "-i", veth.host, "-p", "5"])
        #expect(!second.ok && second.stderr.contains("already has bpfman XDP program \(e.kernel.id)"), "\(second.stderr)")
    }
}
