import BpfKernel
@testable import Bpfman
import Foundation
import Testing
import TestHelpers

/// XDP and TC dispatchers on real packets. The guest kernel (Debian 6.1)
/// takes extension programs; the host here does not, so these run in
/// `make test-vm`. The `turns` programs record which ran after which.
@Suite("VM tier: XDP and TC dispatchers (guest kernel)", .serialized,
       .enabled(if: Tier.inVM && Tier.isRoot, "runs only inside the guest kernel: make test-vm boots it"))
struct DispatcherVMTierTests {
    static let xdpPass: Int32 = 2, xdpDrop: Int32 = 1
    static let tcShot: Int32 = 2, tcPipe: Int32 = 3

    /// One copy of a `turns` program through the library.
    static func turn(_ m: ProgramManager, _ attach: AttachInfo, tag: UInt32, verdict: Int32, neutral: Int32,
                     owner: ProgramEntry? = nil) throws -> ProgramEntry {
        try m.load(LoadRequest(bytecode: .file(path: TestPaths.testdata("turns.bpf.o")), name: attach.kind == .xdp ? "xdp_turn" : "tc_turn",
                               attach: attach, globalData: Turns.globalData(tag: tag, verdict: verdict, neutral: neutral),
                               mapOwnerID: owner?.kernel.id))
    }

    static func xdp(_ iface: String, _ priority: Int32, _ proceedOn: [XdpAction] = XdpAction.defaultProceedOn) -> AttachInfo {
        .xdp(.init(iface: iface, priority: priority, proceedOn: proceedOn))
    }

    static func tc(_ iface: String, _ direction: TcDirection, _ priority: Int32,
                   _ proceedOn: [TcAction] = TcAction.defaultProceedOn) -> AttachInfo {
        .tc(.init(iface: iface, priority: priority, direction: direction, proceedOn: proceedOn))
    }

    static func record(_ box: Sandbox, _ id: UInt32) throws -> ProgramRecord { try #require(try box.records().first { $0.id == id }) }

    /// The revision directories of every dispatcher in the sandbox.
    static func revisionDirs(_ box: Sandbox) -> [String] {
        box.pins().filter { $0.range(of: #"^(xdp|tc-ingress|tc-egress)/dispatcher_\d+_\d+_\d+$"#, options: .regularExpression) != nil }
    }

    /// Everything pinned agrees with the records: one revision per hook whose
    /// links are exactly the members (the records attached through a dispatcher), no program pin without a record, no swap pending.
    static func expectConsistent(_ box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let records = try box.records()
        let dirs = revisionDirs(box)
        // Revision numbers are per hook (XDP and TC may both be at 49): the
        // directories the members' links sit in are what must match.
        let root = box.paths.bpffsRoot + "/"
        let memberDirs = Set(records.compactMap { r -> String? in
            guard r.attachment.dispatcherRevision != nil, let link = r.attachment.linkPin, link.hasPrefix(root) else { return nil }
            return (String(link.dropFirst(root.count)) as NSString).deletingLastPathComponent
        })
        #expect(Set(dirs) == memberDirs, "revision directories \(dirs) for members in \(memberDirs.sorted())", sourceLocation: sourceLocation)
        for r in records {
            let link = try #require(r.attachment.linkPin, sourceLocation: sourceLocation)
            #expect(Pins.exists(link), "\(link) missing", sourceLocation: sourceLocation)
        }
        let linked = box.pins().filter { $0.contains("/link_") }.count
        let dispatched = records.filter { $0.attachment.dispatcherRevision != nil }
        #expect(linked == dispatched.count, "links \(box.pins()) for \(dispatched.map(\.id))", sourceLocation: sourceLocation)
        let progPins = box.pins().filter { $0.range(of: #"^prog_\d+$"#, options: .regularExpression) != nil }
        #expect(Set(progPins) == Set(records.map { "prog_\($0.id)" }), "program pins \(progPins)", sourceLocation: sourceLocation)
        for d in try DispatcherStore(stateDirectory: box.paths.stateDir).records() {
            #expect(d.pending == nil && d.revision != nil, "dispatcher record \(d)", sourceLocation: sourceLocation)
        }
    }

    // MARK: order and proceed-on

    @Test("XDP: priorities 50, 10, 40 run 10, 40, 50 on real packets; proceed-on decides where the chain ends")
    func xdpOrderAndProceedOn() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let m = try box.manager()
        let receiver = try UDPReceiver(ip: veth.hostIP)
        let sender = try UDPSender(to: veth.hostIP, netns: veth.netnsPath)
        let p50 = try Self.turn(m, Self.xdp(veth.host, 50), tag: 5, verdict: Self.xdpPass, neutral: Self.xdpPass)
        let p10 = try Self.turn(m, Self.xdp(veth.host, 10, [.drop, .pass]), tag: 1, verdict: Self.xdpDrop, neutral: Self.xdpPass, owner: p50)
        let p40 = try Self.turn(m, Self.xdp(veth.host, 40), tag: 4, verdict: Self.xdpPass, neutral: Self.xdpPass, owner: p50)
        let ids = [p10.kernel.id, p40.kernel.id, p50.kernel.id]
        #expect(try ids.map { try Self.record(box, $0).attachment.position } == [0, 1, 2])
        #expect(try ids.map { try Self.record(box, $0).attachment.dispatcherRevision } == [3, 3, 3])
        #expect(try Shell.sh("ip link show dev \(veth.host)").contains("xdp"))
        let turns = try Turns(p50)

        // p10 drops, but proceeds on drop: all three run, in order, and the dispatcher passes.
        try ChainOrderTests.expectOrder([1, 4, 5], turns: turns, sender: sender, receiver: receiver)

        let table = try box.cli(["dispatcher", "get", veth.host]).stdout
        let (mode, revision) = (try Regex(#"Mode: +dispatcher \(freplace\)\n"#), try Regex(#"Revision: +3\n"#))
        #expect(table.contains(mode) && table.contains(revision), "\(table)")

        // Proceed on pass only: the chain ends at p10, which drops.
        let up = try box.cliJSON(ProgramEntry.self, ["update", "\(p10.kernel.id)", "--proceed-on", "pass"])
        #expect(up.kernel.id == p10.kernel.id && up.kernel.mapIDs == p10.kernel.mapIDs)
        let (c1, c4, c5, got) = (try turns.count(1), try turns.count(4), try turns.count(5), receiver.drain())
        #expect(sender.send(20) == 20)
        #expect(receiver.settle() == got, "dropped packets arrived")
        #expect(try turns.count(1) - c1 >= 20)
        #expect(try turns.count(4) == c4 && turns.count(5) == c5, "programs after the end of the chain ran")

        // Back to drop and pass: the chain goes on again.
        _ = try box.cliJSON(ProgramEntry.self, ["update", "\(p10.kernel.id)", "--proceed-on", "drop", "pass"])
        try ChainOrderTests.expectOrder([1, 4, 5], turns: turns, sender: sender, receiver: receiver)
        try Self.expectConsistent(box)

        for id in ids { try m.unload(id: id) }
        #expect(!(try Shell.sh("ip link show dev \(veth.host)").contains("xdp")), "the dispatcher stayed on the interface")
        #expect(box.pins().isEmpty, "left behind: \(box.pins())")
        #expect(try DispatcherStore(stateDirectory: box.paths.stateDir).records().isEmpty)
    }

    @Test("TC ingress and egress: the same order on real packets, and proceed-on ends the chain",
          arguments: [TcDirection.ingress, .egress])
    func tcOrderAndProceedOn(direction: TcDirection) throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let m = try box.manager()
        // Ingress of the host end sees packets from the namespace; egress, packets to it.
        let (receiver, sender) = direction == .ingress
            ? (try UDPReceiver(ip: veth.hostIP), try UDPSender(to: veth.hostIP, netns: veth.netnsPath))
            : (try UDPReceiver(ip: veth.peerIP, netns: veth.netnsPath), try UDPSender(to: veth.peerIP))
        let p50 = try Self.turn(m, Self.tc(veth.host, direction, 50), tag: 5, verdict: Self.tcPipe, neutral: Self.tcPipe)
        let p10 = try Self.turn(m, Self.tc(veth.host, direction, 10, [.shot, .pipe]), tag: 1, verdict: Self.tcShot, neutral: Self.tcPipe, owner: p50)
        let p40 = try Self.turn(m, Self.tc(veth.host, direction, 40), tag: 4, verdict: Self.tcPipe, neutral: Self.tcPipe, owner: p50)
        let turns = try Turns(p50)
        try ChainOrderTests.expectOrder([1, 4, 5], turns: turns, sender: sender, receiver: receiver)
        let filters = try Shell.sh("tc filter show dev \(veth.host) \(direction.rawValue)")
        #expect(filters.components(separatedBy: "direct-action").count == 2, "one dispatcher filter: \(filters)")
        #expect(filters.contains("pref 50") && filters.contains("handle 0x3 "), "\(filters)")

        let up = try box.cliJSON(ProgramEntry.self, ["update", "\(p10.kernel.id)", "--proceed-on", "pipe"])
        #expect(up.kernel.id == p10.kernel.id && up.kernel.mapIDs == p10.kernel.mapIDs)
        let (c4, c5, got) = (try turns.count(4), try turns.count(5), receiver.drain())
        #expect(sender.send(20) == 20)
        #expect(receiver.settle() == got, "shot packets arrived")
        #expect(try turns.count(4) == c4 && turns.count(5) == c5, "programs after the end of the chain ran")
        try Self.expectConsistent(box)

        for id in [p10, p40, p50].map(\.kernel.id) { try m.unload(id: id) }
        #expect(try Shell.sh("tc filter show dev \(veth.host) \(direction.rawValue)").isEmpty)
        #expect(box.pins().isEmpty, "left behind: \(box.pins())")
    }

    // MARK: the parity contract and bad input

    @Test("priorities 50 10 40 20 30 take positions 4 0 3 1 2; removal re-compacts; ties keep load order; the 11th is refused")
    func parityContract() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let m = try box.manager()
        func counter(_ priority: Int32) throws -> ProgramEntry {
            try m.load(LoadRequest(bytecode: .file(path: TestPaths.example("xdp_counter")), name: "xdp_stats", attach: Self.xdp(veth.host, priority)))
        }
        func positions(_ ids: [UInt32]) throws -> [Int?] { try ids.map { try Self.record(box, $0).attachment.position } }
        var loaded = try [50, 10, 40, 20, 30].map { try counter($0).kernel.id }
        #expect(try positions(loaded) == [4, 0, 3, 1, 2])
        try m.unload(id: loaded[4])
        loaded.remove(at: 4)
        #expect(try positions(loaded) == [3, 0, 2, 1])
        try Self.expectConsistent(box)

        // Fill the hook, then one more: refused, and nothing changes.
        for p in [60, 70, 80, 90, 100, 110] { loaded.append(try counter(Int32(p)).kernel.id) }
        let pinsBefore = box.pins()
        let revision = try Self.record(box, loaded[0]).attachment.dispatcherRevision
        do {
            let eleventh = try counter(5)
            Issue.record("the 11th program was attached: \(eleventh.kernel.id)")
        } catch {
            #expect("\(error)".contains("already runs 10 programs, the most a dispatcher has slots for; nothing was changed"), "\(error)")
        }
        #expect(box.pins() == pinsBefore, "the refused program left pins")
        #expect(try box.records().count == 10 && Self.record(box, loaded[0]).attachment.dispatcherRevision == revision)

        // Bad input on a busy hook: refused with the reason, nothing changes.
        let tooHigh = try box.cli(["load", "file", "-p", TestPaths.example("xdp_counter"), "-n", "xdp_stats", "xdp", "-i", veth.host, "-p", "1001"])
        #expect(!tooHigh.ok && tooHigh.stderr.contains("XDP priority 1001 is out of range"), "\(tooHigh.stderr)")
        let badXdp = try box.cli(["update", "\(loaded[0])", "--proceed-on", "shot"])
        #expect(!badXdp.ok && badXdp.stderr.contains("invalid --proceed-on value \"shot\" for xdp"), "\(badXdp.stderr)")
        let missing = try box.cli(["unload", "4000000009"])
        #expect(!missing.ok && missing.stderr.contains("program 4000000009 does not exist"), "\(missing.stderr)")
        let badPrio = try box.cli(["update", "\(loaded[0])", "--priority", "1200"])
        #expect(!badPrio.ok && badPrio.stderr.contains("XDP priority 1200 is out of range"), "\(badPrio.stderr)")
        #expect(box.pins() == pinsBefore)
        #expect(try Self.record(box, loaded[0]).attachment.dispatcherRevision == revision)
        for id in loaded { try m.unload(id: id) }

        // Equal priorities: load order, the same way in five runs.
        for run in 1...5 {
            let ids = try (0..<3).map { _ in try counter(7).kernel.id }
            #expect(try positions(ids) == [0, 1, 2], "run \(run)")
            for id in ids.reversed() { try m.unload(id: id) }
        }
        #expect(box.pins().isEmpty, "left behind: \(box.pins())")
    }

    @Test("TC bad input on a dispatcher hook: unknown proceed-on and priority out of range change nothing")
    func tcBadInput() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let m = try box.manager()
        let p = try m.load(LoadRequest(bytecode: .file(path: TestPaths.example("tc_counter")), name: "stats",
                                       attach: Self.tc(veth.host, .ingress, 10)))
        let pins = box.pins()
        let bad = try box.cli(["load", "file", "-p", TestPaths.example("tc_counter"), "-n", "stats",
                               "tc", "-d", "ingress", "-i", veth.host, "-p", "5", "--proceed-on", "pass"])
        #expect(!bad.ok && bad.stderr.contains("invalid --proceed-on value \"pass\" for tc"), "\(bad.stderr)")
        let badUpdate = try box.cli(["update", "\(p.kernel.id)", "--proceed-on", "drop"])
        #expect(!badUpdate.ok && badUpdate.stderr.contains("invalid --proceed-on value \"drop\" for tc"), "\(badUpdate.stderr)")
        let range = try box.cli(["load", "file", "-p", TestPaths.example("tc_counter"), "-n", "stats",
                                 "tc", "-d", "ingress", "-i", veth.host, "-p", "5000"])
        #expect(!range.ok && range.stderr.contains("TC priority 5000 is out of range"), "\(range.stderr)")
        let ids = try box.records().map(\.id)
        #expect(box.pins() == pins && ids == [p.kernel.id])
        try m.unload(id: p.kernel.id)
    }

    // MARK: swaps under traffic

    @Test("atomic swap: a counter stays attached while 30 programs come and go; every packet arrives and is counted",
          arguments: ["xdp", "tc"])
    func churn(hook: String) throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let m = try box.manager()
        let receiver = try UDPReceiver(ip: veth.hostIP)
        let sender = try UDPSender(to: veth.hostIP, netns: veth.netnsPath)
        let counter = hook == "xdp"
            ? try Self.turn(m, Self.xdp(veth.host, 500), tag: 1, verdict: Self.xdpPass, neutral: Self.xdpPass)
            : try Self.turn(m, Self.tc(veth.host, .ingress, 500), tag: 1, verdict: Self.tcPipe, neutral: Self.tcPipe)
        let turns = try Turns(counter)
        func other(_ priority: Int32) throws -> UInt32 {
            let request = hook == "xdp"
                ? LoadRequest(bytecode: .file(path: TestPaths.example("xdp_counter")), name: "xdp_stats", attach: Self.xdp(veth.host, priority))
                // tc_counter returns TC_ACT_OK: proceeding on it too lets the chain reach the counter.
                : LoadRequest(bytecode: .file(path: TestPaths.example("tc_counter")), name: "stats",
                              attach: Self.tc(veth.host, .ingress, priority, [.ok, .pipe, .dispatcherReturn]))
            return try m.load(request).kernel.id
        }
        let start = Date()
        sender.start(interval: 0.002)
        var added = 0, swaps = 0
        while added < 30 {
            var wave: [UInt32] = []
            while wave.count < 9 && added < 30 {
                wave.append(try other(Int32.random(in: 0...1000)))
                added += 1; swaps += 1
                receiver.drain()
            }
            for id in wave.shuffled() {
                try m.unload(id: id)
                swaps += 1
                receiver.drain()
            }
        }
        let sent = sender.stop()
        let received = receiver.settle()
        let counted = try turns.count(1)
        print("churn \(hook): \(swaps) swaps in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; sent \(sent), received \(received), counted \(counted)")
        #expect(sent > 100, "too little traffic to show anything")
        #expect(received == sent, "packets lost during the swaps")
        #expect(counted == UInt64(sent), "the counter missed packets")
        #expect(try Self.record(box, counter.kernel.id).attachment.dispatcherRevision == UInt32(swaps + 1))
        try Self.expectConsistent(box)
    }

    @Test("in-place update: same program and maps, new order, and traffic counted throughout")
    func inPlaceUpdate() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let m = try box.manager()
        let receiver = try UDPReceiver(ip: veth.hostIP)
        let sender = try UDPSender(to: veth.hostIP, netns: veth.netnsPath)
        // Three programs: with two, the step from one packet's last to the next packet's first is the reverse of the order.
        let a = try Self.turn(m, Self.xdp(veth.host, 10), tag: 1, verdict: Self.xdpPass, neutral: Self.xdpPass)
        _ = try Self.turn(m, Self.xdp(veth.host, 20), tag: 2, verdict: Self.xdpPass, neutral: Self.xdpPass, owner: a)
        _ = try Self.turn(m, Self.xdp(veth.host, 30), tag: 3, verdict: Self.xdpPass, neutral: Self.xdpPass, owner: a)
        let turns = try Turns(a)
        try ChainOrderTests.expectOrder([1, 2, 3], turns: turns, sender: sender, receiver: receiver)
        let (c1, c2, c3, got, sent0) = (try turns.count(1), try turns.count(2), try turns.count(3), receiver.drain(), sender.count)

        sender.start(interval: 0.002)
        usleep(300_000)
        let moved = try m.update(id: a.kernel.id, priority: 40)
        usleep(300_000)
        let sent = sender.stop() - sent0
        #expect(receiver.settle() - got == sent, "packets lost during the update")
        let counted = [try turns.count(1) - c1, try turns.count(2) - c2, try turns.count(3) - c3]
        #expect(counted == Array(repeating: UInt64(sent), count: 3), "a program missed packets of \(sent)")
        #expect(moved.kernel.id == a.kernel.id && moved.kernel.mapIDs == a.kernel.mapIDs)
        #expect(moved.record?.attachment.position == 2)
        try ChainOrderTests.expectOrder([2, 3, 1], turns: turns, sender: sender, receiver: receiver)
    }

    // MARK: restart and crash recovery

    @Test("restart: each CLI process continues from the pinned revision; a crash mid-swap is repaired by the next operation",
          arguments: ["xdp", "tc"])
    func restartAndCrash(hook: String) throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let receiver = try UDPReceiver(ip: veth.hostIP)
        let sender = try UDPSender(to: veth.hostIP, netns: veth.netnsPath)
        let (fn, verdict) = hook == "xdp" ? ("xdp_turn", Self.xdpPass) : ("tc_turn", Self.tcPipe)
        func type(_ priority: Int) -> [String] {
            hook == "xdp" ? ["xdp", "-i", veth.host, "-p", "\(priority)"] : ["tc", "-d", "ingress", "-i", veth.host, "-p", "\(priority)"]
        }
        func args(_ tag: UInt32, _ priority: Int, owner: UInt32?) -> [String] {
            ["load", "file", "-p", TestPaths.testdata("turns.bpf.o"), "-n", fn] + Turns.globals(tag: tag, verdict: verdict, neutral: verdict)
                + (owner.map { ["--map-owner-id", "\($0)"] } ?? []) + type(priority)
        }
        // Two loads, two processes: the second builds revision 2 from what the first left pinned.
        let first = try box.cliJSON(ProgramEntry.self, args(1, 10, owner: nil))
        let second = try box.cliJSON(ProgramEntry.self, args(2, 20, owner: first.kernel.id))
        #expect(second.record?.attachment.dispatcherRevision == 2 && Self.revisionDirs(box).count == 1, "\(Self.revisionDirs(box))")
        let turns = try Turns(first)

        var tag: UInt32 = 3
        for point in FaultPoint.dispatcherSwap {
            let crashed = try box.cli(args(tag, 30, owner: first.kernel.id), env: ["BPFMAN_TEST_CRASH_AT": point.rawValue])
            #expect(crashed.status == 70 && crashed.stderr.contains("crashing at test fault point \(point.rawValue)"), "\(crashed)")
            let stored = try DispatcherStore(stateDirectory: box.paths.stateDir).records()
            #expect(stored.first?.pending != nil, "\(point): the crash left no swap pending")

            // The next operation repairs, then does its own work.
            let next = try box.cliJSON(ProgramEntry.self, args(tag + 1, 40, owner: first.kernel.id))
            try Self.expectConsistent(box)
            #expect(try box.records().map(\.id).sorted() == [first.kernel.id, second.kernel.id, next.kernel.id].sorted(), "\(point)")
            try ChainOrderTests.expectOrder([1, 2, tag + 1], turns: turns, sender: sender, receiver: receiver)
            if hook == "tc" {
                let filters = try Shell.sh("tc filter show dev \(veth.host) ingress")
                #expect(filters.components(separatedBy: "direct-action").count == 2, "\(point): one dispatcher filter: \(filters)")
            }
            #expect(try box.cli(["unload", "\(next.kernel.id)"]).ok)
            tag += 2
        }
        try Self.expectConsistent(box)
        for id in [second.kernel.id, first.kernel.id] { #expect(try box.cli(["unload", "\(id)"]).ok) }
        #expect(box.pins().isEmpty, "left behind: \(box.pins())")
    }
}
