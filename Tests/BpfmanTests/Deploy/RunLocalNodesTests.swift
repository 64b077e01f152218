import Foundation
import Testing
import TestHelpers

/// `make run-local` in its default mode from a clean clone: local nodes,
/// the operator and the bpfman-daemon DaemonSet as pods from the images
/// built here, every sample this kernel takes (the five container samples
/// too), nothing in the machine's own network namespace, then stop-local.
@Suite("make run-local on local nodes: the operator and node daemon as pods", .serialized,
       .enabled(if: Tier.kernel, "needs root: local nodes, containerd, podman and BPF"))
struct RunLocalNodesTests {
    static let samples = "config/samples/bpfman.io_v1alpha1_"

    @Test("two nodes: pods Running and Ready from the images built here; a program for node-2 only is on node-2's bpfman only; the XDP sample counts packets; TC at priority 0, TCX, the tracepoint and the five container samples reach ReconcileSuccess; nothing attached in the machine's netns; stop-local leaves nothing")
    func nodes() async throws {
        // The images the container-image tests build from this test run's binaries (built once per run).
        let images = try ContainerImageTests.images()
        let run = try RunLocalClone(prefix: "run-local-nodes")
        let clone = run.clone
        defer { run.finish() }
        let started = try await run.make("run-local", env: ["BPFMAN_BIN_DIR": run.bin, "RUN_LOCAL_IMAGES": images.archives, "NODES": "2"])
        try #require(started.ok, "make run-local: \(started.output)")
        print(started.output)
        let kubeconfig = clone + "/.run-local/kubeconfig"
        func kubectl(_ args: [String]) async throws -> Shell.Result {
            try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", kubeconfig] + args)
        }

        // Every pod in namespace bpfman Running and Ready, from our images.
        let pods = try JSONSerialization.jsonObject(with: Data(try await kubectl(["get", "pods", "-n", "bpfman", "-o", "json"]).stdout.utf8))
        let items = (pods as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let names = items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        #expect(names.contains("bpfman-daemon-node-1") && names.contains("bpfman-daemon-node-2") && names.contains { $0.hasPrefix("bpfman-operator-") },
                "pods: \(names)")
        for pod in items {
            let status = pod["status"] as? [String: Any] ?? [:]
            let ready = (status["conditions"] as? [[String: Any]])?.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
            #expect(status["phase"] as? String == "Running" && ready == true, "\(pod["metadata"] ?? "") \(status)")
            let images = ((pod["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.compactMap { $0["image"] as? String } ?? []
            #expect(images.allSatisfy { $0.hasPrefix("quay.io/bpfman/") }, "\(images)")
        }

        // The printed commands up to the counters, as a person would run them.
        let commands = started.output.split(separator: "\n").filter { $0.hasPrefix("$ ") }.map { String($0.dropFirst(2)) }
        let counters = try #require(commands.firstIndex { $0.contains("counters") }, "run-local prints a counter command")
        let tried = try await Shell.runAsync("/bin/bash", ["-c", (["set -e", "cd '\(clone)'"] + commands[...counters]).joined(separator: "\n")])
        print(tried.stdout)
        #expect(tried.ok, "\(tried.stdout)\n\(tried.stderr)")
        #expect(tried.stdout.contains("xdpprogram.bpfman.io/xdp-pass-all-nodes condition met"))
        let lines = tried.stdout.split(separator: "\n").filter { $0.contains("xdp_stats_map") }
        #expect(lines.count == 2, "the counters show the XDP sample's map on each node: \(tried.stdout)")
        for line in lines { #expect((Int(line.firstMatch(of: /\[0\]=(\d+)/)?.1 ?? "") ?? 0) >= 5, "the XDP sample counted: \(line)") }
        #expect(try HostNamespace.attachedPrograms().isEmpty, "attached in the machine's own network namespace")

        #expect(try await kubectl(["delete", "-f", clone + "/" + Self.samples + "xdp_pass_xdpprogram.yaml"]).ok)

        // Each sample alone (without the dispatcher an interface takes one XDP program).
        for (file, resource, name) in [("tc_pass_tcprogram", "tcprogram", "tc-pass-all-nodes"),
                                       ("tcx_pass_tcxprogram", "tcxprogram", "tcx-pass-all-nodes"),
                                       ("tracepoint_tracepointprogram", "tracepointprogram", "tracepoint-example"),
                                       ("xdp_containers_xdpprogram", "xdpprogram", "xdp-containers"),
                                       ("tc_containers_tcprogram", "tcprogram", "tc-containers"),
                                       ("tcx_containers_tcxprogram", "tcxprogram", "tcx-containers"),
                                       ("uprobe_uprobeprogram_containers", "uprobeprogram", "uprobe-example-containers"),
                                       ("bpfapp-containers", "bpfapplication", "bpfapp-containers")] {
            let path = clone + "/" + Self.samples + file + ".yaml"
            #expect(try await kubectl(["apply", "-f", path]).ok)
            let waited = try await kubectl(["wait", "--for=condition=ReconcileSuccess", "\(resource)/\(name)", "--timeout=120s"])
            let status = try await kubectl(["get", resource, name, "-o", "jsonpath={.status.conditions[0].message}"]).stdout
            #expect(waited.ok, "\(file): \(status)")
            #expect(try HostNamespace.attachedPrograms().isEmpty, "\(file) attached in the machine's own network namespace")
            #expect(try await kubectl(["delete", "-f", path, "--wait=true", "--timeout=60s"]).ok)
        }

        // A program for node-2 only: node-2's daemon pod loads it, node-1's bpfman never holds it.
        let tracepoint = try String(contentsOfFile: clone + "/" + Self.samples + "tracepoint_tracepointprogram.yaml", encoding: .utf8)
            .replacingOccurrences(of: "nodeselector: {}", with: "nodeselector: {matchLabels: {kubernetes.io/hostname: node-2}}")
            .replacingOccurrences(of: "name: tracepoint-example", with: "name: tracepoint-node-2")
        let applied = try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", kubeconfig, "apply", "-f", "-"], stdin: tracepoint)
        #expect(applied.ok, "\(applied.stderr)")
        #expect(try await kubectl(["wait", "--for=condition=ReconcileSuccess", "tracepointprogram/tracepoint-node-2", "--timeout=120s"]).ok)
        func programs(on node: String) throws -> String {
            try Shell.run(clone + "/hack/local-node", ["exec", node, clone + "/.run-local/nodes", "--", run.bin + "/bpfman", "list"]).stdout
        }
        let (onNode1, onNode2) = (try programs(on: "node-1"), try programs(on: "node-2"))
        #expect(onNode2.contains("enter_openat"), "node-2's bpfman: \(onNode2)")
        #expect(!onNode1.contains("enter_openat"), "node-1's bpfman holds node-2's program: \(onNode1)")

        let stopped = try await run.make("stop-local")
        #expect(stopped.ok, "make stop-local: \(stopped.output)")
        #expect(!FileManager.default.fileExists(atPath: clone + "/.run-local"), ".run-local/ is gone")
        #expect(try Shell.run("/usr/bin/pgrep", ["-af", clone + "/.run-local"]).stdout.isEmpty)
        #expect(!(try Shell.sh("ip netns list")).contains("bpfman-node-"), "a node's netns is left")
        #expect(!(try Shell.sh("ip -o link show")).contains("bpfkind0"), "the nodes' bridge is left")
        #expect(!(try String(contentsOfFile: "/proc/mounts", encoding: .utf8)).contains(clone), "a mount under the clone is left")
        #expect(try Shell.sh("pgrep -f '[c]ontainerd-shim-runc-v2' || true").isEmpty, "a container shim is left")
        let leftovers = try Shell.run(Which.path("git"), ["-C", clone, "status", "--porcelain", "--ignored"]).stdout
            .split(separator: "\n").filter { !$0.contains(".build/") }
        #expect(leftovers.isEmpty, "files left in the clone: \(leftovers)")
    }
}
