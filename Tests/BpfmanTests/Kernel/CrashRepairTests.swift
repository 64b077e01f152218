import BpfKernel
import Bpfman
import BpfmanRPC
import Foundation
import Glibc
import Testing
import TestHelpers

/// After a kill -9 or a damaged record, the kernel holds exactly what the
/// records describe: no filter, link, pin or program is orphaned, and nothing
/// bpfman did not make is touched. Counted with bpftool and tc, not bpfman.
@Suite("crash and corrupt-record repair (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct CrashRepairTests {
    static let names: Set = ["xdp_stats", "stats", "tcx_stats", "tracepoint_openat"]

    @Test("a load killed between the tc attach and its record: the filter is removed at the next start, a foreign filter stays")
    func filterOrphanedByCrash() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        // Something else's filter on the same hook: never touched.
        try Shell.sh("tc qdisc add dev \(veth.host) clsact && tc filter add dev \(veth.host) ingress pref 77 u32 match u32 0 0 flowid 1:1")
        let crashed = try box.cli(["load", "file", "-p", TestPaths.example("tc_counter"), "-n", "stats",
                                   "tc", "-d", "ingress", "-i", veth.host, "-p", "10"],
                                  env: ["BPFMAN_TEST_CRASH_AT": "tc-filter-attached"])
        #expect(crashed.status == 70, "\(crashed.stderr)")
        let orphan = try KernelTruth.filterPrograms(dev: veth.host, direction: "ingress")
        #expect(orphan.count == 1, "the crash left the filter attached: \(orphan)")
        #expect(try box.records().isEmpty)

        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        #expect(try KernelTruth.filterPrograms(dev: veth.host, direction: "ingress").isEmpty, "bpfman-rpc's start-up repair removes it")
        let left = try KernelTruth.filters(dev: veth.host, direction: "ingress")
        #expect(!left.isEmpty && left.allSatisfy { $0.kind == "u32" && $0.pref == 77 }, "the foreign filter stays: \(left)")
        #expect(box.pins().isEmpty)
        for id in orphan { #expect(KernelTruth.settled(true) { KernelPrograms.info(id: id) == nil }, "program \(id) is freed") }
        #expect(!FileManager.default.fileExists(atPath: "\(box.paths.stateDir)/claims/\(orphan.first ?? 0).json"))
        #expect(try KernelTruth.hasClsact(dev: veth.host), "the clsact qdisc someone else made stays")
    }

    @Test("a load killed between the tc attach and its record on an interface with no qdisc: the next start removes the filter and the clsact qdisc bpfman made")
    func qdiscOrphanedByCrash() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let crashed = try box.cli(["load", "file", "-p", TestPaths.example("tc_counter"), "-n", "stats",
                                   "tc", "-d", "egress", "-i", veth.host, "-p", "10"],
                                  env: ["BPFMAN_TEST_CRASH_AT": "tc-filter-attached"])
        #expect(crashed.status == 70, "\(crashed.stderr)")
        #expect(try KernelTruth.hasClsact(dev: veth.host))
        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        #expect(try KernelTruth.filterPrograms(dev: veth.host, direction: "egress").isEmpty)
        #expect(try !KernelTruth.hasClsact(dev: veth.host), "the qdisc bpfman made for the filter goes with it")
    }

    @Test("a TCX move killed between the old link's detach and the new one: the next start attaches it again where its record says")
    func tcxMoveKilled() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let a = try box.load(TestPaths.example("tcx_counter"), "tcx_stats", ["tcx", "-d", "ingress", "-i", veth.host, "-p", "5"])
        let b = try box.load(TestPaths.example("tcx_counter"), "tcx_stats", ["tcx", "-d", "ingress", "-i", veth.host, "-p", "10"])
        let crashed = try box.cli(["update", "\(a.kernel.id)", "-p", "20"], env: ["BPFMAN_TEST_CRASH_AT": "tcx-link-detached"])
        #expect(crashed.status == 70, "\(crashed.stderr)")
        #expect(try !KernelTruth.linkedPrograms().contains(a.kernel.id), "the crash left the program unattached")

        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        #expect(try KernelTruth.linkedPrograms().contains(a.kernel.id), "bpfman-rpc's start-up repair attaches it again")
        #expect(box.pins().contains("prog_\(a.kernel.id)_link"))
        let order = try Self.tcxOrder(dev: veth.host, direction: "ingress")
        #expect(order == [a.kernel.id, b.kernel.id], "back at priority 5, before the program at 10: \(order)")
        let listed = try box.cliJSON(ProgramEntry.self, ["get", "\(a.kernel.id)"])
        #expect(listed.record?.attach == .tcx(.init(iface: veth.host, priority: 5, direction: .ingress)), "\(String(describing: listed.record?.attach))")

        // And it moves and unloads as any other.
        _ = try box.cliJSON(ProgramEntry.self, ["update", "\(a.kernel.id)", "-p", "20"])
        #expect(try Self.tcxOrder(dev: veth.host, direction: "ingress") == [b.kernel.id, a.kernel.id])
        #expect(try box.cli(["unload", "\(a.kernel.id)"]).ok)
        #expect(try box.cli(["unload", "\(b.kernel.id)"]).ok)
        #expect(box.pins().isEmpty)
    }

    @Test("a TC move killed after its old filter went: the next start attaches it again at the priority its record holds")
    func tcMoveKilled() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let (a, b) = try Self.tcPairCrashed(box, veth) { ["update", "\($0)", "-p", "20"] }
        #expect(try KernelTruth.filters(dev: veth.host, direction: "ingress").map(\.pref) == [21, 31], "the crash left the new filter (tc priority = priority + 1), not the old")

        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        let filters = try KernelTruth.filters(dev: veth.host, direction: "ingress")
        #expect(filters.map(\.pref) == [11, 31], "back at priority 10 (tc 11), before the program at 30: \(filters)")
        #expect(filters.compactMap { $0.options?.prog?.id } == [a, b])
        let claims = try FileManager.default.contentsOfDirectory(atPath: "\(box.paths.stateDir)/claims")
        #expect(Set(claims) == ["\(a).json", "\(b).json"], "each filter claimed, nothing else: \(claims)")

        // And it moves and unloads as any other.
        _ = try box.cliJSON(ProgramEntry.self, ["update", "\(a)", "-p", "40"])
        #expect(try KernelTruth.filterPrograms(dev: veth.host, direction: "ingress") == [b, a])
        #expect(try box.cli(["unload", "\(a)"]).ok)
        #expect(try box.cli(["unload", "\(b)"]).ok)
        #expect(try KernelTruth.filterPrograms(dev: veth.host, direction: "ingress").isEmpty)
        #expect(box.pins().isEmpty)
    }

    @Test("a TC unload killed after its filter went: its record was gone first, so the next start frees the program and its claim")
    func tcUnloadKilled() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let (a, b) = try Self.tcPairCrashed(box, veth) { ["unload", "\($0)"] }

        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        #expect(try KernelTruth.filterPrograms(dev: veth.host, direction: "ingress") == [b])
        #expect(try box.records().map(\.id) == [b])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(box.paths.stateDir)/claims") == ["\(b).json"])
        #expect(KernelTruth.settled(true) { KernelPrograms.info(id: a) == nil }, "program \(a) is freed")
        #expect(try box.cli(["unload", "\(b)"]).ok)
        #expect(box.pins().isEmpty)
    }

    /// Two TC programs on `veth.host` ingress at priorities 10 and 30, then
    /// `change` of the first killed at `tc-filter-detached`; their ids.
    static func tcPairCrashed(_ box: Sandbox, _ veth: VethPair, _ change: (UInt32) -> [String]) throws -> (UInt32, UInt32) {
        let ids = try [10, 30].map { p in
            try box.load(TestPaths.example("tc_counter"), "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "\(p)"]).kernel.id
        }
        let crashed = try box.cli(change(ids[0]), env: ["BPFMAN_TEST_CRASH_AT": "tc-filter-detached"])
        #expect(crashed.status == 70, "\(crashed.stderr)")
        return (ids[0], ids[1])
    }

    @Test("a write killed before its rename leaves a temporary file; the next start removes it and reads only the records")
    func temporaryFileLeftByCrash() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let a = try box.load(TestPaths.example("tc_counter"), "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "10"])
        let dirs = ["programs", "claims"].map { "\(box.paths.stateDir)/\($0)" }
        for dir in dirs { try "{\"half\": ".write(toFile: "\(dir)/.tmp-999999-1", atomically: false, encoding: .utf8) }
        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        for dir in dirs {
            let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(names == ["\(a.kernel.id).json"], "\(dir): \(names)")
        }
        #expect(try box.cli(["unload", "\(a.kernel.id)"]).ok)
    }

    /// The program ids on a TCX hook in the kernel's order (bpftool 7.1 does not list TCX).
    static func tcxOrder(dev: String, direction: String) throws -> [UInt32] {
        try NetworkLinks.tcxPrograms(ifindex: if_nametoindex(dev), egress: direction == "egress")
    }

    @Test("a corrupt record: listed as corrupt and set aside, its filter removed, every other program still loads and unloads")
    func corruptRecord() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let tc = try box.load(TestPaths.example("tc_counter"), "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "10"])
        let tcx = try box.load(TestPaths.example("tcx_counter"), "tcx_stats", ["tcx", "-d", "ingress", "-i", veth.host, "-p", "5"])
        let id = tc.kernel.id
        #expect(try Shell.sh("tc filter show dev \(veth.host) ingress").contains("handle 0x\(String(id, radix: 16))"),
                "bpfman's filters carry the program id as handle")
        let file = "\(box.paths.stateDir)/programs/\(id).json"
        try "{\"id\": \(id), \"name\": ".write(toFile: file, atomically: false, encoding: .utf8)

        // Listing is not blocked, and shows the bad file as a row.
        let listed = try box.cli(["list"])
        #expect(listed.ok, "\(listed.stderr)")
        #expect(listed.stdout.contains("\(tcx.kernel.id)"))
        let row = listed.stdout.split(separator: "\n").first { $0.contains("corrupt") }.map(String.init) ?? ""
        #expect(row.contains("\(id)") && row.contains("\(id).json"), "\(listed.stdout)")
        let json = try box.cli(["list", "-o", "json"])
        #expect(json.ok && json.stderr.contains("record \(file) is corrupt"), "\(json.stderr)")

        // The next change sets it aside and removes what it described.
        let tp = try box.load(TestPaths.example("tracepoint_counter"), "tracepoint_openat", ["tracepoint", "-t", "syscalls/sys_enter_openat"])
        #expect(try KernelTruth.filterPrograms(dev: veth.host, direction: "ingress").isEmpty)
        #expect(KernelTruth.settled(true) { KernelPrograms.info(id: id) == nil }, "the corrupt record's program is freed")
        #expect(!FileManager.default.fileExists(atPath: file))
        let moved = "\(box.paths.stateDir)/quarantine/programs-\(id).json"
        #expect(FileManager.default.fileExists(atPath: moved))
        #expect(((try? String(contentsOfFile: moved + ".why", encoding: .utf8)) ?? "").contains("unreadable"))
        let after = try box.cli(["list"]).stdout
        #expect(after.contains("set aside as \(moved)"), "\(after)")

        #expect(try box.cli(["unload", "\(tcx.kernel.id)"]).ok)
        #expect(try box.cli(["unload", "\(tp.kernel.id)"]).ok)
        #expect(try box.records().isEmpty)
        #expect(box.pins().isEmpty)
        #expect(try KernelTruth.linkedPrograms().allSatisfy { ![tcx.kernel.id, tp.kernel.id].contains($0) })
    }

    @Test("bpfman-rpc killed with SIGKILL 50 times during XDP, TC, TCX and tracepoint loads, unloads and moves: the kernel holds exactly what the records say")
    func randomKills() async throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let baseline = try KernelTruth.highestProgramID()
        let log = AckLog()
        let kills = try await KillLoop.run(box, rounds: 50, window: 30...600) { client, worker, step in
            await KillLoop.randomStep(client, log: log, priorities: 1...200) { Self.loadRequest(veth: veth, kind: (worker + step) % 4) }
        }
        #expect(kills == 50)
        // One more start: its repair puts right what the last kill left.
        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        let records = try await KillLoop.records(after: box, log, minimumLoads: 21)
        let ids = Set(records.map(\.id))

        let inKernel = try KernelTruth.settled(ids) { try KernelTruth.programs(named: Self.names, after: baseline) }
        let missing = records.filter { !inKernel.contains($0.id) }.map { "\($0.id):\($0.kind)" }
        #expect(inKernel == ids, "kernel programs \(inKernel.sorted()) vs records \(ids.sorted()); recorded but not in the kernel: \(missing)")
        let tcIDs = Set(records.filter { $0.kind == .tc }.map(\.id))
        let filters = try KernelTruth.filterPrograms(dev: veth.peer, direction: "ingress", netns: veth.namespace)
        #expect(filters.sorted() == tcIDs.sorted(), "tc filters \(filters.sorted()) vs TC records \(tcIDs.sorted())")
        let linked = try KernelTruth.linkedPrograms().filter { $0 > baseline && inKernel.contains($0) }
        let linkIDs = ids.subtracting(tcIDs)
        #expect(linked.sorted() == linkIDs.sorted(), "links \(linked.sorted()) vs link-attached records \(linkIDs.sorted())")
        var expectedPins = Set(ids.map { "prog_\($0)" }).union(linkIDs.map { "prog_\($0)_link" })
        expectedPins.formUnion(records.flatMap { r in (box.pins().filter { $0.hasPrefix("maps/\(r.mapGroup)") }) })
        #expect(Set(box.pins()) == expectedPins, "pins \(box.pins()) vs records")
        #expect(try Set(box.pins().filter { $0.hasPrefix("maps/") }.compactMap { UInt32($0.dropFirst(5).prefix { $0.isNumber }) })
                    .isSubset(of: Set(records.map(\.mapGroup))))
        let claims = (try? FileManager.default.contentsOfDirectory(atPath: "\(box.paths.stateDir)/claims")) ?? []
        #expect(Set(claims) == Set(tcIDs.map { "\($0).json" }), "one claim per TC program and nothing else: \(claims)")

        // And everything unloads cleanly after.
        try await BpfmanClient.withClient(socketPath: server.socketPath) { client in
            for id in ids.sorted() { try await client.unload(id: id) }
        }
        #expect(try KernelTruth.settled([]) { try KernelTruth.programs(named: Self.names, after: baseline) }.isEmpty)
        #expect(try KernelTruth.filterPrograms(dev: veth.peer, direction: "ingress", netns: veth.namespace).isEmpty)
        #expect(try !KernelTruth.hasClsact(dev: veth.peer, netns: veth.namespace), "the clsact qdisc bpfman made goes with its last filter")
        #expect(box.pins().isEmpty)
    }

    /// A load of an XDP, TC (in the veth's namespace), TCX or tracepoint program.
    static func loadRequest(veth: VethPair, kind: Int) -> Bpfman_V1_LoadRequest {
        var r = Bpfman_V1_LoadRequest()
        switch kind {
        case 0:
            r.bytecode.file = TestPaths.example("xdp_counter"); r.name = "xdp_stats"
            var x = Bpfman_V1_XDPAttachInfo(); x.iface = veth.host; x.priority = 5
            r.attach.xdpAttachInfo = x
        case 1:
            r.bytecode.file = TestPaths.example("tc_counter"); r.name = "stats"
            var t = Bpfman_V1_TCAttachInfo(); t.iface = veth.peer; t.direction = "ingress"
            t.priority = Int32.random(in: 1...200); t.netns = veth.netnsPath
            r.attach.tcAttachInfo = t
        case 2:
            r.bytecode.file = TestPaths.example("tcx_counter"); r.name = "tcx_stats"
            var t = Bpfman_V1_TCXAttachInfo(); t.iface = veth.host; t.direction = "egress"; t.priority = Int32.random(in: 1...1000)
            r.attach.tcxAttachInfo = t
        default:
            r = RPCServerTests.tracepointRequest()
        }
        return r
    }
}
