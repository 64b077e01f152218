import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

@Suite("State across restarts (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct RestartTests {
    @Test("a new process sees every program with the same kernel ids; unload still works; no duplicates")
    func newProcessSeesState() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        // Each CLI call is its own process: load in three, read in a fourth.
        let a = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", extra: ["-m", "app=one"], ["xdp", "-i", veth.host, "-p", "5"])
        let b = try box.load(TestPaths.example("tcx_counter"), "tcx_stats", ["tcx", "-d", "egress", "-i", veth.host, "-p", "5"])
        let c = try box.load(TestPaths.example("tracepoint_counter"), "tracepoint_openat", ["tracepoint", "-t", "syscalls/sys_enter_openat"])
        let loaded = [a, b, c].map(\.kernel.id).sorted()

        let listed = try box.cliJSON([ProgramEntry].self, ["list"])
        #expect(listed.map(\.kernel.id) == loaded)
        #expect(listed.allSatisfy { !$0.stale })
        #expect(listed.map(\.kernel.id) == (try box.cliJSON([ProgramEntry].self, ["list"]).map(\.kernel.id)), "listing twice changes nothing")
        let kernelIDs = Set(KernelPrograms.allIDs())
        #expect(Set(loaded).isSubset(of: kernelIDs))

        // Filters: by kind and by metadata.
        #expect(try box.cliJSON([ProgramEntry].self, ["list", "-p", "xdp"]).map(\.kernel.id) == [a.kernel.id])
        #expect(try box.cliJSON([ProgramEntry].self, ["list", "-m", "app=one"]).map(\.kernel.id) == [a.kernel.id])
        // A program loaded without bpfman shows only with --all, without a record.
        let foreign = box.paths.bpffsRoot + "/foreign"
        try Shell.sh("bpftool prog load \(TestPaths.testdata("plain_xdp.bpf.o")) \(foreign)")
        defer { try? Pins.remove(foreign) }
        let foreignID = try KernelPrograms.info(pin: foreign).id
        let all = try box.cliJSON([ProgramEntry].self, ["list", "-a"])
        #expect(all.contains { $0.kernel.id == foreignID && $0.record == nil })
        #expect(!(try box.cliJSON([ProgramEntry].self, ["list"]).contains { $0.kernel.id == foreignID }))
        #expect(try box.cliJSON(ProgramEntry.self, ["get", "\(foreignID)"]).record == nil)
        try Pins.remove(foreign)

        // The table form lines up as upstream's scrapers expect.
        let table = try box.cli(["get", "\(a.kernel.id)"]).stdout
        #expect(table.contains("\n Program ID:                       \(a.kernel.id)\n"))
        #expect(table.hasPrefix(" Bpfman State\n Name:               xdp_stats\n"))

        // Traffic still flows through a program a previous process attached.
        let before = try box.counter(a, map: "xdp_stats_map", key: 0)
        try veth.sendToHost(4)
        #expect(try box.counter(a, map: "xdp_stats_map", key: 0) - before >= 4)

        for id in loaded { #expect(try box.cli(["unload", "\(id)"]).ok) }
        #expect(try box.cliJSON([ProgramEntry].self, ["list"]).isEmpty)
        #expect(box.pins().isEmpty)
    }

    @Test("the store serialises concurrent writers: parallel CLI loads all land, each once")
    func concurrentLoads() throws {
        let box = try Sandbox()
        let obj = TestPaths.example("tracepoint_counter")
        let group = DispatchGroup()
        let results = LockedArray()
        for _ in 0..<6 {
            DispatchQueue.global().async(group: group) {
                let r = try? box.cli(["load", "file", "-p", obj, "-n", "tracepoint_openat", "tracepoint", "-t", "syscalls/sys_enter_openat"])
                results.append(r?.ok ?? false)
            }
        }
        group.wait()
        #expect(results.values == Array(repeating: true, count: 6))
        #expect(Set(try box.records().map(\.id)).count == 6)
    }
}

final class LockedArray: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Bool] = []
    func append(_ v: Bool) { lock.lock(); storage.append(v); lock.unlock() }
    var values: [Bool] { lock.lock(); defer { lock.unlock() }; return storage }
}
