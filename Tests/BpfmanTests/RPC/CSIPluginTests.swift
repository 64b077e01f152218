import BpfKernel
import Bpfman
import BpfmanRPC
import Foundation
import Glibc
import Testing
import TestHelpers
import Yams

/// The csi.bpfman.io node plugin driven as kubelet drives it, by a client that
/// shares no code with ours (Python grpcio, stubs generated from
/// proto/csi/csi.proto now), with maps read by a separate process in a mount
/// namespace of its own (as a container's) through raw bpf(2) calls.
@Suite("CSI node plugin (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct CSIPluginTests {
    /// A sandbox with bpfman-rpc serving CSI, and the program's maps to publish.
    final class Node: @unchecked Sendable {
        let box: Sandbox
        var server: RPCServerProcess
        var csiSocket: String { box.base + "/csi/csi.sock" }
        var volumesRoot: String { box.base + "/csi/fs" }
        /// Where pods' volumes go; its subdirectories are the targets' parents, as kubelet makes them.
        var pods: String { box.base + "/pods" }

        init() throws {
            box = try Sandbox()
            box.extraEnv["KUBE_NODE_NAME"] = "node-a"
            try FileManager.default.createDirectory(atPath: box.base + "/pods", withIntermediateDirectories: true)
            server = try Node.start(box, csiSocket: box.base + "/csi/csi.sock")
        }

        static func start(_ box: Sandbox, csiSocket: String) throws -> RPCServerProcess {
            let s = try RPCServerProcess(box, arguments: ["--timeout", "0", "--csi-support", "--csi-socket", csiSocket])
            try Self.waitFor(csiSocket) { s.process.isRunning }
            return s
        }

        /// Waits until `socket` accepts, or throws once `alive` says the server is gone or 10 s pass.
        static func waitFor(_ socket: String, alive: () -> Bool) throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while !RPCServerProcess.accepts(socket) {
                guard alive(), ContinuousClock.now < deadline else { throw NoSocket(path: socket) }
                usleep(50_000)
            }
        }

        struct NoSocket: Error, CustomStringConvertible {
            var path: String
            var description: String { "nothing accepts on \(path)" }
        }

        func restart(kill: Bool) throws {
            if kill {
                Glibc.kill(server.process.processIdentifier, SIGKILL)
                server.process.waitUntilExit()
            } else {
                server.terminate()
            }
            server = try Node.start(box, csiSocket: csiSocket)
        }

        deinit { server.terminate() }

        /// Loads the ten-map test program as the agent would name it.
        @discardableResult
        func load(_ programName: String, extra: [String] = []) throws -> ProgramEntry {
            try box.load(TestPaths.testdata("csi_maps.bpf.o"), "csi_openat", extra: ["-m", "bpfman.io/ProgramName=\(programName)"] + extra,
                         ["tracepoint", "--tracepoint", "syscalls/sys_enter_openat"])
        }

        var csi: CSIClient { get throws { try CSIClient(socket: csiSocket, stubsIn: box.base) } }

        /// A target whose parent exists, as kubelet prepares it.
        func target(_ pod: String) throws -> String {
            try FileManager.default.createDirectory(atPath: "\(pods)/\(pod)", withIntermediateDirectories: true)
            return "\(pods)/\(pod)/mount"
        }

        /// Mounts this sandbox holds besides its own bpffs.
        func mounts() -> [String] {
            Mounts.current().entries.map(\.mountPoint).filter { $0.hasPrefix(box.base + "/") && $0 != box.paths.bpffsRoot }
        }

        func volumeDirectories() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: volumesRoot)) ?? [] }
    }

    @Test("identity, capabilities and node id; unserved Node calls answer UNIMPLEMENTED")
    func identity() throws {
        let node = try Node()
        let r = try node.csi.calls([
            ["service": "Identity", "method": "GetPluginInfo"], ["service": "Identity", "method": "GetPluginCapabilities"],
            ["service": "Identity", "method": "Probe"], ["service": "Node", "method": "NodeGetCapabilities"],
            ["service": "Node", "method": "NodeGetInfo"],
            ["service": "Node", "method": "NodeStageVolume", "request": ["volume_id": "v", "staging_target_path": "/s"]],
            ["service": "Node", "method": "NodeUnstageVolume"], ["service": "Node", "method": "NodeGetVolumeStats"],
            ["service": "Node", "method": "NodeExpandVolume"],
        ])
        #expect(r[0].response["name"] as? String == "csi.bpfman.io")
        #expect(r[0].response["vendor_version"] as? String == CSINodePlugin.vendorVersion)
        #expect(r[1].ok && r[1].response.isEmpty, "a node-only plugin")
        #expect(r[2].response["ready"] as? Bool == true)
        let caps = r[3].response["capabilities"] as? [[String: Any]]
        #expect(caps?.compactMap { ($0["rpc"] as? [String: Any])?["type"] as? String } == ["VOLUME_MOUNT_GROUP"])
        #expect(r[4].response["node_id"] as? String == "node-a")
        for reply in r[5...] {
            #expect(reply.code == "UNIMPLEMENTED" && reply.details.contains("not implemented by csi.bpfman.io"), "\(reply)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: node.csiSocket)[.posixPermissions] as? Int
        #expect(mode == 0o660)
    }

    @Test("two maps published: a reader in its own mount namespace sees the counter grow; read-only and fsGroup hold")
    func publishAndRead() throws {
        let node = try Node()
        let entry = try node.load("csi-test")
        let pinsBefore = node.box.pins()
        let rw = try node.target("pod-rw"), ro = try node.target("pod-ro")
        var reply = try node.csi.publish("csi-rw", at: rw, group: "2345")
        #expect(reply.ok, "\(reply)")
        reply = try node.csi.publish("csi-ro", at: ro, readOnly: true)
        #expect(reply.ok, "\(reply)")

        // Real openat calls (the reader's own among them) move the counter it reads.
        let seen = try MapReader.read(rw + "/csi_calls", count: 3)
        let values = try #require(seen.values, "read failed: errno \(seen.errno ?? 0)")
        #expect(values.count == 3 && values[0] > 0 && values[0] < values[1] && values[1] < values[2], "\(values)")
        #expect(try MapReader.read(rw + "/csi_pid").ok)
        #expect(try MapReader.read(rw + "/csi_calls", "rw").ok, "a read-write volume opens for writing")
        // Read-only: readable, and a write open is refused by the kernel.
        #expect(try MapReader.read(ro + "/csi_calls").values?.first ?? 0 > 0)
        let write = try MapReader.read(ro + "/csi_calls", "rw")
        #expect(!write.ok && write.errno == EROFS, "\(write)")
        // fsGroup: the files carry the group, mode 0660.
        for map in ["csi_calls", "csi_pid"] {
            var st = stat()
            #expect(lstat("\(rw)/\(map)", &st) == 0)
            #expect(st.st_gid == 2345 && st.st_mode & 0o777 == 0o660, "\(map): gid \(st.st_gid) mode \(String(st.st_mode & 0o777, radix: 8))")
        }
        // Only the asked maps, of this program.
        let listed = try FileManager.default.contentsOfDirectory(atPath: rw).filter { !$0.hasSuffix(".debug") }.sorted()
        #expect(listed == ["csi_calls", "csi_pid"])
        #expect(try node.csi.publish("csi-rw", at: rw, group: "2345").ok, "Publish again is OK (idempotent)")
        #expect(node.mounts().count == 4, "two volume bpffs, two targets: \(node.mounts())")

        // Unpublish: no mount, no directory; the program's own pins untouched.
        #expect(try node.csi.unpublish("csi-rw", at: rw).ok)
        #expect(try node.csi.unpublish("csi-ro", at: ro).ok)
        #expect(node.mounts().isEmpty, "\(node.mounts())")
        #expect(!FileManager.default.fileExists(atPath: rw) && !FileManager.default.fileExists(atPath: ro))
        #expect(node.volumeDirectories().isEmpty)
        #expect(node.box.pins() == pinsBefore)
        #expect(try node.box.counter(entry, map: "csi_calls", key: 0) > 0)
        #expect(try node.csi.unpublish("csi-rw", at: rw).ok, "Unpublish of what is not there succeeds")
    }

    @Test("a program loaded twice sharing maps through its owner (two attach points): the volume holds the owner's maps")
    func sharedMaps() throws {
        let node = try Node()
        let owner = try node.load("csi-shared")
        let user = try node.load("csi-shared", extra: ["--map-owner-id", "\(owner.kernel.id)"])
        #expect(user.record?.mapPinPath == owner.record?.mapPinPath)
        let t = try node.target("pod")
        #expect(try node.csi.publish("csi-s", at: t, program: "csi-shared").ok)
        let ownerPin = try #require(owner.record?.mapPinPath) + "/csi_calls"
        #expect(try MapReader.mapID(t + "/csi_calls") == MapReader.mapID(ownerPin))
        // The owner unloaded first: the user keeps the maps, and so does the volume.
        #expect(try node.box.cli(["unload", "\(owner.kernel.id)"]).ok)
        let seen = try MapReader.read(t + "/csi_calls", count: 2)
        #expect(seen.ok && (seen.values?[1] ?? 0) > (seen.values?[0] ?? 0), "the remaining program still counts: \(seen)")
        #expect(try node.csi.unpublish("csi-s", at: t).ok)
        #expect(node.mounts().isEmpty && node.volumeDirectories().isEmpty)
    }

    @Test("unloading the program while published: the volume's pins stay valid until Unpublish, then nothing is left")
    func unloadWhilePublished() throws {
        let node = try Node()
        let entry = try node.load("csi-test")
        let target = try node.target("pod")
        #expect(try node.csi.publish("csi-u", at: target).ok)
        let mapID = try MapReader.mapID(target + "/csi_calls")
        #expect(try node.box.cli(["unload", "\(entry.kernel.id)"]).ok)
        let after = try MapReader.read(target + "/csi_calls", count: 2)
        #expect(after.ok && after.values?.count == 2, "the kernel keeps a pinned map: \(after)")
        #expect(after.values?[0] == after.values?[1], "no program counts any more")
        #expect(try node.csi.unpublish("csi-u", at: target).ok)
        #expect(node.mounts().isEmpty && node.volumeDirectories().isEmpty)
        // The last pin gone, the kernel frees the map (a moment later: RCU).
        var gone = false
        for _ in 0..<50 {
            gone = !(try Shell.run("/usr/sbin/bpftool", ["map", "show", "id", "\(mapID)"]).ok)
            if gone { break }
            usleep(100_000)
        }
        #expect(gone, "map \(mapID) still in the kernel")
    }

    @Test("bpfman-rpc killed and restarted with a volume published: the reader still reads, Unpublish still cleans up")
    func restart() throws {
        let node = try Node()
        try node.load("csi-test")
        let target = try node.target("pod")
        #expect(try node.csi.publish("csi-k", at: target, readOnly: true).ok)
        try node.restart(kill: true)
        let seen = try MapReader.read(target + "/csi_calls", count: 2)
        #expect(seen.ok && (seen.values?[1] ?? 0) > (seen.values?[0] ?? 0), "\(seen)")
        #expect(try node.csi.publish("csi-k", at: target, readOnly: true).ok, "the restarted plugin knows the volume from the mount table")
        #expect(try node.csi.unpublish("csi-k", at: target).ok)
        #expect(node.mounts().isEmpty && node.volumeDirectories().isEmpty && !FileManager.default.fileExists(atPath: target))
        // SIGTERM: a clean exit that removes the socket.
        #expect(node.server.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: node.csiSocket))
        node.server = try Node.start(node.box, csiSocket: node.csiSocket)
    }

    @Test("bad input: the field and the cause named, with its code, and nothing left behind")
    func badInput() throws {
        let node = try Node()
        try node.load("csi-test")
        let t = try node.target("pod")
        let file = node.pods + "/pod/file"
        FileManager.default.createFile(atPath: file, contents: Data())
        let cases: [(CSIClient.Reply, String, String)] = [
            (try node.csi.publish("v1", at: t, program: nil), "INVALID_ARGUMENT", "volume_context[\"csi.bpfman.io/program\"] is required"),
            (try node.csi.publish("v1", at: t, program: ""), "INVALID_ARGUMENT", "volume_context[\"csi.bpfman.io/program\"] is required"),
            (try node.csi.publish("v1", at: t, maps: nil), "INVALID_ARGUMENT", "volume_context[\"csi.bpfman.io/maps\"] is required"),
            (try node.csi.publish("v1", at: t, maps: ""), "INVALID_ARGUMENT", "volume_context[\"csi.bpfman.io/maps\"] is required"),
            (try node.csi.publish("v1", at: t, program: "not-loaded"), "UNAVAILABLE",
             "no program named not-loaded is loaded on node node-a yet; waiting for bpfman-agent to load it"),
            (try node.csi.publish("v1", at: t, maps: "csi_calls,no_such_map"), "NOT_FOUND",
             "has no map named no_such_map; its maps: csi_calls, csi_m2, csi_m3, csi_m4, csi_m5, csi_m6, csi_m7, csi_m8, csi_m9, csi_pid"),
            (try node.csi.publish("../../escape", at: t), "INVALID_ARGUMENT", "volume_id \"../../escape\" must not contain '/' or '..'"),
            (try node.csi.publish("a/b", at: t), "INVALID_ARGUMENT", "volume_id \"a/b\" must not contain '/' or '..'"),
            (try node.csi.publish("v1", at: t, maps: "../../maps/1/x"), "INVALID_ARGUMENT", "map name \"../../maps/1/x\" must not contain '/' or '..'"),
            (try node.csi.publish("v1", at: "pods/pod/mount"), "INVALID_ARGUMENT", "target_path \"pods/pod/mount\" is not an absolute path"),
            (try node.csi.publish("v1", at: ""), "INVALID_ARGUMENT", "target_path is required"),
            (try node.csi.publish("v1", at: file), "INVALID_ARGUMENT", "target_path \(file) is a regular file, not a directory"),
            (try node.csi.publish("v1", at: node.pods + "/no-such-pod/mount"), "FAILED_PRECONDITION", "its parent directory does not exist"),
            (try node.csi.publish("v1", at: t, group: "wheel"), "INVALID_ARGUMENT", "volume_mount_group \"wheel\" is not a numeric group id"),
            (try node.csi.unpublish("../v1", at: t), "INVALID_ARGUMENT", "volume_id \"../v1\" must not contain"),
            (try node.csi.unpublish("v1", at: "relative"), "INVALID_ARGUMENT", "target_path \"relative\" is not an absolute path"),
        ]
        for (reply, code, message) in cases {
            #expect(reply.code == code && reply.details.contains(message), "expected \(code) “\(message)”, got \(reply)")
            #expect(node.mounts().isEmpty && node.volumeDirectories().isEmpty, "left behind after “\(message)”: \(node.mounts())")
            #expect(!FileManager.default.fileExists(atPath: t), "target made for “\(message)”")
        }
        let noCapability = try node.csi.call("Node", "NodePublishVolume", [
            "volume_id": "v1", "target_path": t, "volume_context": [CSIVolumeRequest.programKey: "csi-test", CSIVolumeRequest.mapsKey: "csi_calls"]])
        #expect(noCapability.code == "INVALID_ARGUMENT" && noCapability.details == "volume_capability is required")
        let block = try node.csi.call("Node", "NodePublishVolume", [
            "volume_id": "v1", "target_path": t, "volume_capability": ["block": [:] as [String: Any]],
            "volume_context": [CSIVolumeRequest.programKey: "csi-test", CSIVolumeRequest.mapsKey: "csi_calls"]])
        #expect(block.code == "INVALID_ARGUMENT" && block.details.contains("volume_capability.block is not supported"))

        // The same target holding another volume: refused, the first untouched.
        #expect(try node.csi.publish("v1", at: t).ok)
        let other = try node.csi.publish("v2", at: t)
        #expect(other.code == "ALREADY_EXISTS" && other.details.contains("already holds volume v1, not v2"), "\(other)")
        let wrongMode = try node.csi.publish("v1", at: t, readOnly: true)
        #expect(wrongMode.code == "ALREADY_EXISTS" && wrongMode.details.contains("read-write, not read-only as asked"), "\(wrongMode)")
        let wrongUnpublish = try node.csi.unpublish("v2", at: t)
        #expect(wrongUnpublish.code == "FAILED_PRECONDITION" && wrongUnpublish.details.contains("holds volume v1, not volume v2"))
        #expect(node.volumeDirectories() == ["v1"] && node.mounts().count == 2)
        #expect(try MapReader.read(t + "/csi_calls").ok)
        #expect(try node.csi.unpublish("v1", at: t).ok)

        // A failure half way (the target's parent is read-only, so it cannot be
        // made after the maps are pinned) undoes every step before it.
        let frozen = node.pods + "/frozen"
        try FileManager.default.createDirectory(atPath: frozen, withIntermediateDirectories: true)
        try Shell.sh("mount -t tmpfs -o ro tmpfs \(frozen)")
        defer { try? Mounts.unmount(frozen) }
        let halfway = try node.csi.publish("v3", at: frozen + "/mount", group: "100")
        #expect(halfway.code == "INTERNAL" && halfway.details.contains("cannot create directory \(frozen)/mount: Read-only file system"), "\(halfway)")
        #expect(node.mounts() == [frozen], "only the test's own tmpfs: \(node.mounts())")
        #expect(node.volumeDirectories().isEmpty)
    }

    @Test("the DaemonSet template, the CSIDriver and the plugin agree: bpfman-rpc started with the template's arguments serves where the registrar looks")
    func daemonSetTemplate() throws {
        let root = TestPaths.root + "/config/bpfman-deployment/"
        typealias Object = [String: Any]
        let ds = try #require(try Yams.load(yaml: try String(contentsOfFile: root + "daemonset.yaml", encoding: .utf8)) as? Object)
        let pod = try #require(((ds["spec"] as? Object)?["template"] as? Object)?["spec"] as? Object)
        let containers = try #require(pod["containers"] as? [Object])
        let volumes = try #require(pod["volumes"] as? [Object])
        func container(_ name: String) throws -> Object { try #require(containers.first { $0["name"] as? String == name }) }
        func hostPath(_ volume: String) -> String? { (volumes.first { $0["name"] as? String == volume }?["hostPath"] as? Object)?["path"] as? String }
        func mounts(_ c: Object) -> [(volume: String, path: String)] {
            (c["volumeMounts"] as? [Object] ?? []).compactMap { m in (m["name"] as? String).flatMap { n in (m["mountPath"] as? String).map { (n, $0) } } }
        }

        let bpfman = try container("bpfman"), registrar = try container("node-driver-registrar")
        let args = try #require(bpfman["args"] as? [String])
        #expect(args.contains("--csi-support"))
        #expect((bpfman["env"] as? [Object])?.contains { $0["name"] as? String == "KUBE_NODE_NAME" } == true)
        // The registrar's --csi-address, through its volume's hostPath, is where bpfman-rpc puts the socket.
        let rargs = try #require(registrar["args"] as? [String])
        let address = try #require(rargs.first { $0.hasPrefix("--csi-address=") }?.dropFirst("--csi-address=".count))
        let registration = try #require(rargs.first { $0.hasPrefix("--kubelet-registration-path=") }?.dropFirst("--kubelet-registration-path=".count))
        let socketDir = (String(address) as NSString).deletingLastPathComponent
        let registrarVolume = try #require(mounts(registrar).first { $0.path == socketDir }?.volume)
        let hostDir = try #require(hostPath(registrarVolume))
        #expect(hostDir + "/" + (String(address) as NSString).lastPathComponent == String(registration), "kubelet dials the registrar's socket on the host")
        let bpfmanMount = try #require(mounts(bpfman).first { hostPath($0.volume) == hostDir }, "bpfman-rpc's container mounts \(hostDir)")
        #expect(bpfmanMount.path + "/csi.sock" == CSINodePlugin.defaultSocketPath)
        let driver = try #require(try Yams.load(yaml: try String(contentsOfFile: root + "csidriverinfo.yaml", encoding: .utf8)) as? Object)
        #expect((driver["metadata"] as? Object)?["name"] as? String == CSINodePlugin.driverName)

        // Run it with exactly those arguments, in a mount namespace with a /run
        // of its own (the container's), and ask the socket it made.
        let command = try #require((bpfman["command"] as? [String])?.first.map { ($0 as NSString).lastPathComponent })
        let script = "mount -t tmpfs tmpfs /run && exec \"$0\" \"$@\""
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["--mount", "--propagation", "private", "/bin/sh", "-c", script, TestPaths.binary(command)] + args
        var env = ProcessInfo.processInfo.environment
        env["KUBE_NODE_NAME"] = "node-template"
        env["RUST_LOG"] = "warning"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        try p.run()
        defer { if p.isRunning { p.terminate() }; p.waitUntilExit() }
        let inside = "/proc/\(p.processIdentifier)/root" + CSINodePlugin.defaultSocketPath
        try Node.waitFor(inside) { p.isRunning }
        #expect(RPCServerProcess.accepts("/proc/\(p.processIdentifier)/root" + RPCDaemon.defaultSocketPath))
        let box = try Sandbox()
        let info = try CSIClient(socket: inside, stubsIn: box.base).call("Node", "NodeGetInfo")
        #expect(info.response["node_id"] as? String == "node-template", "\(info)")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
    }

    @Test("--csi-support outlives the inactivity timeout: kubelet may call at any time")
    func noInactivityExit() throws {
        let box = try Sandbox()
        box.extraEnv["KUBE_NODE_NAME"] = "node-a"
        let sock = box.base + "/csi/csi.sock"
        let server = try RPCServerProcess(box, arguments: ["--timeout", "1", "--csi-support", "--csi-socket", sock])
        try Node.waitFor(sock) { server.process.isRunning }
        sleep(3)
        #expect(server.process.isRunning, "exited: \(server.log())")
        #expect(try CSIClient(socket: sock, stubsIn: box.base).call("Identity", "Probe").response["ready"] as? Bool == true)
        #expect(server.terminate() == 0)
    }

    @Test("--csi-support without KUBE_NODE_NAME is a clear start-up error")
    func needsNodeName() throws {
        let box = try Sandbox()
        var env = box.env
        env["KUBE_NODE_NAME"] = ""
        let sock = box.base + "/csi/csi.sock"
        let r = try Shell.run(TestPaths.binary("bpfman-rpc"), ["--csi-support", "--socket-path", box.base + "/bpfman.sock", "--csi-socket", sock], env: env)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--csi-support needs KUBE_NODE_NAME, the name of this node"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sock) && !FileManager.default.fileExists(atPath: box.base + "/bpfman.sock"))
    }
}
