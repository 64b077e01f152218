import BpfKernel
import Foundation
import Testing
import TestHelpers

/// `make run-local` from a clean clone, driven the way its printout tells a
/// person to, then `make stop-local` and a look for anything left behind.
@Suite("make run-local / stop-local in a clean clone", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct RunLocalTests {
    @Test("RUN_LOCAL_MODE=processes: the printed commands: the XDP sample reaches ReconcileSuccess and counts packets; stop-local leaves no process, netns, pin or file")
    func runLocal() async throws {
        let run = try RunLocalClone(prefix: "run-local")
        let clone = run.clone
        defer { run.finish() }
        let started = try await run.make("run-local", env: ["BPFMAN_BIN_DIR": run.bin, "RUN_LOCAL_MODE": "processes"])
        try #require(started.ok, "make run-local: \(started.output)")
        print(started.output)
        let commands = started.output.split(separator: "\n").filter { $0.hasPrefix("$ ") }.map { String($0.dropFirst(2)) }
        let apply = try #require(commands.firstIndex { $0.contains("apply -f config/samples/bpfman.io_v1alpha1_xdp_pass_xdpprogram.yaml") })
        let counters = try #require(commands.firstIndex { $0.contains("counters") }, "run-local prints a counter command")
        let volume = try #require(commands.firstIndex { $0.contains("run-local volume") }, "run-local prints a CSI volume command")
        let delete = try #require(commands.firstIndex { $0.contains("kubectl delete") })
        #expect(apply < counters && counters < volume && volume < delete)

        // Run them as printed, in the clone, one shell.
        let script = (["set -e", "cd '\(clone)'"] + commands[...volume]).joined(separator: "\n")
        let tried = try await Shell.runAsync("/bin/bash", ["-c", script])
        print(tried.stdout)
        #expect(tried.ok, "\(tried.stdout)\n\(tried.stderr)")
        #expect(tried.stdout.contains("xdpprogram.bpfman.io/xdp-pass-all-nodes condition met"))
        #expect(tried.stdout.contains("ReconcileSuccess"))
        let line = try #require(tried.stdout.split(separator: "\n").first { $0.contains("xdp_stats_map") }, "the counters show the XDP sample's map")
        let packets = Int(line.firstMatch(of: /\[0\]=(\d+)/)?.1 ?? "") ?? 0
        #expect(packets >= 5, "the XDP sample counted \(packets) packets: \(line)")
        // The pod's view of the same map through its csi.bpfman.io volume.
        let podView = try #require(tried.stdout.split(separator: "\n").first { $0.hasPrefix("read from a mount namespace of its own:") },
                                   "the volume command reads the published map")
        #expect((Int(podView.firstMatch(of: /\[0\]=(\d+)/)?.1 ?? "") ?? 0) >= packets, "\(podView)")
        #expect(Mounts.current().entries.contains { $0.mountPoint.hasPrefix(clone + "/.run-local/pods/") && $0.source.hasPrefix("bpfman-csi:") })
        let ids = tried.stdout.matches(of: /program (\d+)/).map { String($0.1) }
        #expect(!ids.isEmpty)
        let deleted = try await Shell.runAsync("/bin/bash", ["-c", (["set -e", "cd '\(clone)'", commands[0], commands[delete]]).joined(separator: "\n")])
        #expect(deleted.ok, "\(deleted.stderr)")

        let stopped = try await run.make("stop-local")
        #expect(stopped.ok, "make stop-local: \(stopped.output)")
        #expect(!FileManager.default.fileExists(atPath: clone + "/.run-local"), ".run-local/ is gone")
        let processes = try Shell.run("/usr/bin/pgrep", ["-af", clone + "/.run-local"])
        #expect(processes.stdout.isEmpty, "left running: \(processes.stdout)")
        let byBin = try Shell.run("/usr/bin/pgrep", ["-af", "--kubeconfig \(clone)"])
        #expect(byBin.stdout.isEmpty, "left running: \(byBin.stdout)")
        let netns = try Shell.run(Which.path("ip"), ["netns", "list"])
        #expect(!netns.stdout.contains("bpfman-local"), "netns left: \(netns.stdout)")
        #expect(!(try Shell.run(Which.path("ip"), ["link", "show", "bpfl-host"])).ok, "the demo veth is gone")
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
        #expect(!mounts.contains(clone), "a mount under the clone is left")
        for id in Set(ids) {
            #expect(!(try Shell.run(Which.path("bpftool"), ["prog", "show", "id", id])).ok, "program \(id) is still in the kernel")
        }
        let status = try Shell.run(Which.path("git"), ["-C", clone, "status", "--porcelain", "--ignored"])
        let leftovers = status.stdout.split(separator: "\n").filter { !$0.contains(".build/") }
        #expect(leftovers.isEmpty, "files left in the clone: \(leftovers)")
    }
}
