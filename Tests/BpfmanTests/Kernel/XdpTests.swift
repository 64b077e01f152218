import BpfKernel
import Bpfman
import Foundation
import Testing
import TestHelpers

@Suite("XDP on a veth (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct XdpTests {
    @Test("an XDP counter counts UDP packets; unload detaches and removes every pin and record")
    func countsAndUnloads() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let e = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", ["xdp", "-i", veth.host, "-p", "50"])
        let id = e.kernel.id
        #expect(e.record?.attachment.position == 0)
        #expect(try Shell.sh("ip link show dev \(veth.host)").contains("xdp"))
        let before = try box.counter(e, map: "xdp_stats_map", key: 0)
        try veth.sendToHost(20)
        let after = try box.counter(e, map: "xdp_stats_map", key: 0)
        #expect(after - before >= 20, "counted \(after - before) of 20 packets")
        #expect(box.pins().contains("prog_\(id)"))
        #expect(box.pins().contains("prog_\(id)_link"))
        #expect(box.pins().contains("maps/\(id)/xdp_stats_map"))

        let r = try box.cli(["unload", "\(id)"])
        #expect(r.ok, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(box.pins().isEmpty, "left behind: \(box.pins())")
        #expect(try box.records().isEmpty)
        #expect(!(try Shell.sh("ip link show dev \(veth.host)").contains("xdp")), "XDP still attached after unload")
    }

    @Test("XDP attaches inside a network namespace given by path")
    func insideNetns() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let e = try box.load(TestPaths.example("xdp_counter"), "xdp_stats",
                             ["xdp", "-i", veth.peer, "-p", "50", "--netns", veth.netnsPath])
        #expect(e.record?.attachment.netnsInode == NetworkNamespace.inode(veth.netnsPath))
        let before = try box.counter(e, map: "xdp_stats_map", key: 0)
        try veth.sendToPeer(15)
        #expect(try box.counter(e, map: "xdp_stats_map", key: 0) - before >= 15)
        #expect(try Shell.sh("ip -n \(veth.namespace) link show dev \(veth.peer)").contains("xdp"))
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        #expect(!(try Shell.sh("ip -n \(veth.namespace) link show dev \(veth.peer)").contains("xdp")))
    }

    @Test("XDP mode: drv by default on a veth; skb when bpfman.toml says so for the interface")
    func modes() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let native = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", ["xdp", "-i", veth.host, "-p", "50"])
        #expect(native.record?.attachment.xdpMode == .drv)
        #expect(try Shell.sh("ip link show dev \(veth.host)").contains(" xdp "))
        #expect(try box.cli(["unload", "\(native.kernel.id)"]).ok)

        try "[interfaces.\(veth.host)]\nxdp_mode = \"skb\"\n".write(toFile: box.base + "/bpfman.toml", atomically: true, encoding: .utf8)
        let generic = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", ["xdp", "-i", veth.host, "-p", "50"])
        #expect(generic.record?.attachment.xdpMode == .skb)
        #expect(try Shell.sh("ip link show dev \(veth.host)").contains(" xdpgeneric "))
        let before = try box.counter(generic, map: "xdp_stats_map", key: 0)
        try veth.sendToHost(5)
        #expect(try box.counter(generic, map: "xdp_stats_map", key: 0) - before >= 5)
    }

    @Test("drv mode falls back to skb where the driver has no native XDP (the test netns's own loopback)")
    func fallbackToSkb() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let e = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", ["xdp", "-i", "lo", "-p", "50", "--netns", veth.netnsPath])
        #expect(e.record?.attachment.xdpMode == .skb)
        #expect(try Shell.sh("ip -n \(veth.namespace) link show dev lo").contains(" xdpgeneric "))
        let before = try box.counter(e, map: "xdp_stats_map", key: 0)
        try Shell.sh("ip netns exec \(veth.namespace) bash -c 'for i in 1 2 3; do echo x > /dev/udp/127.0.0.1/9; done'")
        #expect(try box.counter(e, map: "xdp_stats_map", key: 0) - before >= 3)
        #expect(try box.cli(["unload", "\(e.kernel.id)"]).ok)
        #expect(!(try Shell.sh("ip -n \(veth.namespace) link show dev lo").contains("xdp")))
    }

    @Test("a second XDP program on the same interface is refused clearly and leaves nothing")
    func secondProgramRefused() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let first = try box.load(TestPaths.example("xdp_counter"), "xdp_stats", ["xdp", "-i", veth.host, "-p", "50"])
        let r = try box.cli(["load", "file", "-p", TestPaths.example("xdp_counter"), "-n", "xdp_stats", "xdp", "-i", veth.host, "-p", "40"])
        #expect(!r.ok)
        #expect(r.stderr.contains("already has bpfman XDP program \(first.kernel.id) (xdp_stats)"), "\(r.stderr)")
        #expect(r.stderr.contains("without BPF extension (freplace) programs an XDP hook takes one program"), "the reason: \(r.stderr)")
        #expect(try box.records().map(\.id) == [first.kernel.id])
        #expect(box.pins().filter { $0.hasPrefix("prog_") }.sorted() == ["prog_\(first.kernel.id)", "prog_\(first.kernel.id)_link"])
    }
}
