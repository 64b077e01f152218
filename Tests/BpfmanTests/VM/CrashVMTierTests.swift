import BpfKernel
import Bpfman
import BpfmanRPC
import Foundation
import Testing
import TestHelpers

/// The random-kill run of `CrashRepairTests` where XDP and TC go through
/// dispatchers (the guest kernel takes extension programs), with kprobes:
/// fewer kills and a longer window, as the guest runs under TCG (a start of
/// bpfman-rpc takes 5 to 8 s there, a dispatcher load 0.5 to 3 s).
@Suite("VM tier: bpfman-rpc killed during dispatcher changes (guest kernel)", .serialized,
       .enabled(if: Tier.inVM && Tier.isRoot, "runs only inside the guest kernel: make test-vm boots it"))
struct CrashVMTierTests {
    static let names: Set = ["xdp_stats", "stats", "kprobe_counter"]
    static let rounds = 6

    @Test("bpfman-rpc killed with SIGKILL 6 times during XDP and TC dispatcher loads, unloads and moves and kprobe loads: the kernel holds exactly what the records say")
    func randomKillsWithDispatchers() async throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let baseline = try KernelTruth.highestProgramID()
        let log = AckLog()
        let kills = try await KillLoop.run(box, rounds: Self.rounds, window: 3000...8000, timeout: .seconds(15)) { client, worker, step in
            await KillLoop.randomStep(client, log: log, priorities: 1...100) { Self.loadRequest(veth: veth, kind: (worker + step) % 3) }
        }
        #expect(kills == Self.rounds)
        let server = try RPCServerProcess(box)
        defer { server.terminate() }
        let records = try await KillLoop.records(after: box, log, minimumLoads: 4)
        let ids = Set(records.map(\.id))

        let inKernel = try KernelTruth.settled(ids) { try KernelTruth.programs(named: Self.names, after: baseline) }
        #expect(inKernel == ids, "kernel programs \(inKernel.sorted()) vs records \(ids.sorted())")
        try DispatcherVMTierTests.expectConsistent(box)
        let tcRecords = records.filter { $0.kind == .tc }
        let filters = try Shell.sh("tc filter show dev \(veth.host) ingress").components(separatedBy: "direct-action").count - 1
        #expect(filters == (tcRecords.isEmpty ? 0 : 1), "one TC dispatcher filter while TC programs are recorded: \(filters) for \(tcRecords.count)")
        let xdpRecords = records.filter { $0.kind == .xdp }
        let xdpAttached = try Shell.sh("ip -d link show dev \(veth.host)").contains("prog/xdp")
        #expect(xdpAttached == !xdpRecords.isEmpty, "an XDP dispatcher exactly while XDP programs are recorded (\(xdpRecords.count))")
        // Dispatcher members are extension links, kprobes perf links: every record has exactly its one.
        let linked = try KernelTruth.linkedPrograms().filter { $0 > baseline && inKernel.contains($0) }
        #expect(linked.sorted() == ids.sorted(), "links \(linked.sorted()) vs records \(ids.sorted())")

        try await BpfmanClient.withClient(socketPath: server.socketPath, defaultTimeout: .seconds(60)) { client in
            for id in ids.sorted() { try await client.unload(id: id) }
        }
        #expect(try KernelTruth.settled([]) { try KernelTruth.programs(named: Self.names, after: baseline) }.isEmpty)
        #expect(box.pins().isEmpty, "left behind: \(box.pins())")
        #expect(!(try Shell.sh("tc filter show dev \(veth.host) ingress")).contains("direct-action"))
        #expect(try !KernelTruth.hasClsact(dev: veth.host), "the clsact qdisc bpfman made for the TC dispatcher goes with it")
    }

    /// A load of an XDP or TC dispatcher member or a kprobe.
    static func loadRequest(veth: VethPair, kind: Int) -> Bpfman_V1_LoadRequest {
        var r = Bpfman_V1_LoadRequest()
        switch kind {
        case 0:
            r.bytecode.file = TestPaths.example("xdp_counter"); r.name = "xdp_stats"
            var x = Bpfman_V1_XDPAttachInfo(); x.iface = veth.host; x.priority = Int32.random(in: 1...100)
            r.attach.xdpAttachInfo = x
        case 1:
            r.bytecode.file = TestPaths.example("tc_counter"); r.name = "stats"
            var t = Bpfman_V1_TCAttachInfo(); t.iface = veth.host; t.direction = "ingress"; t.priority = Int32.random(in: 1...100)
            r.attach.tcAttachInfo = t
        default:
            r.bytecode.file = TestPaths.example("kprobe_counter"); r.name = "kprobe_counter"
            var k = Bpfman_V1_KprobeAttachInfo(); k.fnName = "do_unlinkat"
            r.attach.kprobeAttachInfo = k
        }
        return r
    }
}
