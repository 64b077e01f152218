// `make bench`: per program type, median load+attach and unload latency of
// bpfman (in-process library and the CLI as a process) beside bpftool doing
// the same kernel work as the floor. Prints figures; asserts nothing.
import BpfKernel
import Bpfman
import BpfmanImages
import BpfmanRPC
import Crypto
import Foundation
import X509
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging

// A mode of its own for hack/convergence-bench: N Loads through bpfman-rpc, timed.
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "rpc-loads" {
    do {
        try await RPCLoads.run(Array(CommandLine.arguments.dropFirst(2)))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("bpfman-bench rpc-loads: \(error)\n".utf8))
        exit(1)
    }
}

let runs = Int(ProcessInfo.processInfo.environment["BENCH_RUNS"] ?? "") ?? 15
let root = FileManager.default.currentDirectoryPath
let bpf = root + "/.build/bpf"
let cliPath = ProcessInfo.processInfo.environment["BPFMAN_BIN"] ?? root + "/.build/release/bpfman"
let base = "/run/bpfman-bench-\(getpid())"
let paths = BpfmanPaths(bpffsRoot: base + "/fs", stateDir: base + "/db")
var logger = Logger(label: "bench")
logger.logLevel = .error
let manager = ProgramManager(paths: paths, logger: logger)

@discardableResult
func sh(_ script: String) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", script]
    var env = ProcessInfo.processInfo.environment
    env["BPFMAN_BPFFS_ROOT"] = paths.bpffsRoot
    env["BPFMAN_STATE_DIR"] = paths.stateDir
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    do { try p.run() } catch { return (-1, "\(error)") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// print, flushed: the figures so far survive a later failure.
func say(_ s: String = "") {
    print(s)
    fflush(nil)
}

func time(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return ms(ContinuousClock.now - start)
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct Case {
    var label: String
    var request: LoadRequest
    var cliArgs: String
    /// bpftool/tc commands doing the same kernel work; `PIN` is replaced.
    var floorLoad: String
    var floorUnload: String
}

sh("ip netns add bpfbench; ip link add bbh type veth peer name bbn netns bpfbench; ip link set bbh up")
defer { sh("ip link del bbh; ip netns del bpfbench; umount \(paths.bpffsRoot); rm -rf \(base)") }

let xdp = bpf + "/examples/xdp_counter.bpf.o", tc = bpf + "/examples/tc_counter.bpf.o"
let tcx = bpf + "/examples/tcx_counter.bpf.o", tp = bpf + "/examples/tracepoint_counter.bpf.o"
let up = bpf + "/examples/uprobe_counter.bpf.o", target = bpf + "/testdata/uprobe_target"
// `bpfman-bench dispatcher` (make bench boots the VM kernel for it): a
// dispatcher with k programs really linked in, per packet, beside the same
// program alone, and the time to add the k-th program.
if CommandLine.arguments.dropFirst().first == "dispatcher" {
    guard manager.usesDispatchers else {
        say("dispatcher bench: this kernel takes no extension programs (\(FreplaceProbe.outcome(paths))); nothing to measure")
        exit(0)
    }
    let repeats: UInt32 = 200_000
    // A warm-up run first (the emulator translates newly JITed code on first
    // use), then the median of 7 runs: emulated time is noisy.
    func perPacket(_ fd: FileDescriptor) throws -> UInt32 {
        try fd.withRaw { fd in
            _ = try TestRun.run(programFD: fd, input: TestRun.udpFrame, repeat: 10_000)
            let runs = try (0..<7).map { _ in try TestRun.run(programFD: fd, input: TestRun.udpFrame, repeat: repeats).nanosecondsPerRun }
            return runs.sorted()[3]
        }
    }
    do {
        let plain = try BpfObject(path: xdp)
        for m in plain.maps { try m.setPinPath(nil) }
        for p in plain.programs { p.setAutoload(p.name == "xdp_stats") }
        try plain.load()
        let alone = try perPacket(FileDescriptor(raw: dup(plain.program(named: "xdp_stats")!.fd)))
        let ifindex = if_nametoindex("bbh")
        let link = DispatcherPins(root: paths.bpffsRoot, hook: .xdp, direction: nil, netnsInode: NetworkNamespace.inode(nil),
                                  ifindex: ifindex).interfaceLink
        var ids: [UInt32] = [], cells: [String] = [], adds: [String] = []
        for k in 1...DispatcherConfig.maxPrograms {
            let request = LoadRequest(bytecode: .file(path: xdp), name: "xdp_stats", attach: .xdp(.init(iface: "bbh", priority: Int32(k))))
            adds.append(String(format: "%.1f", try time { ids.append(try manager.load(request).kernel.id) }))
            guard [1, 2, 5, 10].contains(k) else { continue }
            guard let id = NetworkLinks.linkedProgram(pin: link), let fd = KernelPrograms.open(id: id) else {
                say("dispatcher bench: no dispatcher behind \(link)"); break
            }
            cells.append("k=\(k): \(try perPacket(fd)) ns")
        }
        for id in ids.reversed() { try manager.unload(id: id) }
        say("\nper packet, BPF_PROG_TEST_RUN, median of 7 x\(repeats), in the VM kernel (\(sh("uname -r").1.trimmingCharacters(in: .whitespacesAndNewlines)), qemu TCG: emulated, compare only with each other):")
        say("  xdp_stats alone: \(alone) ns   dispatcher with k xdp_stats linked in: " + cells.joined(separator: "   "))
        say("time to add the k-th program (load + new revision + swap), ms, emulated: " + adds.enumerated().map { "k=\($0 + 1) \($1)" }.joined(separator: "  "))
    } catch {
        say("dispatcher bench failed: \(error)")
    }
    sh("ip link del bbh; ip netns del bpfbench; umount \(paths.bpffsRoot); rm -rf \(base)")
    exit(0)
}

// libbpf (inside bpftool) pins maps declared pinned-by-name under /sys/fs/bpf;
// mount a bpffs there for the run if the machine has none (most distros do).
let mountedSysBpf = sh("mount | grep -q ' /sys/fs/bpf type bpf' || { mount -t bpf bpf /sys/fs/bpf && echo mounted; }").1.contains("mounted")
defer { if mountedSysBpf { sh("umount /sys/fs/bpf") } }
let maps = ""
let cases = [
    Case(label: "xdp", request: LoadRequest(bytecode: .file(path: xdp), name: "xdp_stats", attach: .xdp(.init(iface: "bbh", priority: 50))),
         cliArgs: "-p \(xdp) -n xdp_stats xdp -i bbh -p 50",
         floorLoad: "bpftool prog load \(xdp) PIN \(maps) && bpftool net attach xdpdrv pinned PIN dev bbh",
         floorUnload: "bpftool net detach xdpdrv dev bbh && rm -f PIN"),
    Case(label: "tc", request: LoadRequest(bytecode: .file(path: tc), name: "stats", attach: .tc(.init(iface: "bbh", priority: 50, direction: .ingress))),
         cliArgs: "-p \(tc) -n stats tc -d ingress -i bbh -p 50",
         floorLoad: "bpftool prog load \(tc) PIN \(maps) && tc qdisc replace dev bbh clsact && tc filter add dev bbh ingress pref 50 bpf da pinned PIN",
         floorUnload: "tc filter del dev bbh ingress pref 50 && rm -f PIN"),
    Case(label: "tcx", request: LoadRequest(bytecode: .file(path: tcx), name: "tcx_stats", attach: .tcx(.init(iface: "bbh", priority: 50, direction: .ingress))),
         cliArgs: "-p \(tcx) -n tcx_stats tcx -d ingress -i bbh -p 50",
         floorLoad: "bpftool prog load \(tcx) PIN \(maps)", floorUnload: "rm -f PIN"),
    Case(label: "tracepoint", request: LoadRequest(bytecode: .file(path: tp), name: "tracepoint_openat", attach: .tracepoint(.init(tracepoint: "syscalls/sys_enter_openat"))),
         cliArgs: "-p \(tp) -n tracepoint_openat tracepoint -t syscalls/sys_enter_openat",
         floorLoad: "bpftool prog load \(tp) PIN \(maps)", floorUnload: "rm -f PIN"),
    Case(label: "uprobe", request: LoadRequest(bytecode: .file(path: up), name: "uprobe_counter", attach: .uprobe(.init(fnName: "bpfman_test_fn", target: target))),
         cliArgs: "-p \(up) -n uprobe_counter uprobe -t \(target) -f bpfman_test_fn",
         floorLoad: "bpftool prog load \(up) PIN \(maps)", floorUnload: "rm -f PIN"),
]

say("bpfman-bench: \(runs) runs per figure, median milliseconds (kernel \(sh("uname -r").1.trimmingCharacters(in: .whitespacesAndNewlines)))")
say("floor: bpftool prog load (+ bpftool net attach for xdp, tc filter for tc); tcx/tracepoint/uprobe floors load only (Debian's bpftool 7.1 cannot attach them)")
say("kprobe, fentry, fexit: not on this host kernel (the VM tier covers them; TCG timings would not mean anything)\n")
let header = ["type", "lib load+attach", "lib unload", "cli load+attach", "cli unload", "bpftool load(+attach)", "bpftool unload"]
say(header.map { $0.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined())
for c in cases {
    var libLoad: [Double] = [], libUnload: [Double] = [], cliLoad: [Double] = [], cliUnload: [Double] = []
    var floorLoad: [Double] = [], floorUnload: [Double] = []
    var failure: String?
    for _ in 0..<runs {
        do {
            var id: UInt32 = 0
            libLoad.append(try time { id = try manager.load(c.request).kernel.id })
            libUnload.append(try time { try manager.unload(id: id) })
        } catch { failure = "\(error)"; break }
        var out = ""
        cliLoad.append(time { out = sh("\(cliPath) load file -o json \(c.cliArgs)").1 })
        let id = (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            .flatMap { ($0["kernel"] as? [String: Any])?["id"] as? Int }
        guard let id else { failure = "cli: \(out)"; break }
        cliUnload.append(time { sh("\(cliPath) unload \(id)") })
        let pin = "\(paths.bpffsRoot)/floor"
        var rc: Int32 = 0
        floorLoad.append(time { rc = sh(c.floorLoad.replacingOccurrences(of: "PIN", with: pin)).0 })
        if rc != 0 { failure = "floor failed: \(c.floorLoad)"; break }
        floorUnload.append(time { sh(c.floorUnload.replacingOccurrences(of: "PIN", with: pin)) })
        sh("rm -f /sys/fs/bpf/xdp_stats_map /sys/fs/bpf/tc_stats_map /sys/fs/bpf/tcx_stats_map /sys/fs/bpf/tracepoint_stats_map /sys/fs/bpf/uprobe_stats_map")
    }
    if let failure {
        say("\(c.label): failed: \(failure)")
        continue
    }
    let cells = [c.label] + [libLoad, libUnload, cliLoad, cliUnload, floorLoad, floorUnload].map { String(format: "%.2f", median($0)) }
    say(cells.map { $0.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined())
}

// ---- The CLI beside bpftool, as processes (xdp: load + attach, then detach + unload) ----
// bpfman: `load file … xdp` and `unload` (two processes); bpftool: `prog load`,
// `net attach xdpdrv`, `net detach`, and `rm` of the pin (four). Wall and CPU
// are the sums over a round's processes, peak is the largest of them.
do {
    var env = ProcessInfo.processInfo.environment
    env["BPFMAN_BPFFS_ROOT"] = paths.bpffsRoot
    env["BPFMAN_STATE_DIR"] = paths.stateDir
    let pin = "\(paths.bpffsRoot)/floor-cli"
    let rounds: [(label: String, round: (_ peak: Bool) -> [ProcessRun]?)] = [
        ("bpfman (2 processes)", { peak in
            let load = ProcessRun.run([cliPath, "load", "file", "-o", "json", "-p", xdp, "-n", "xdp_stats", "xdp", "-i", "bbh", "-p", "50"],
                                      environment: env, peak: peak)
            let id = (try? JSONSerialization.jsonObject(with: Data(load.stdout.utf8)) as? [String: Any])
                .flatMap { ($0["kernel"] as? [String: Any])?["id"] as? Int }
            guard load.exitCode == 0, let id else { return nil }
            let unload = ProcessRun.run([cliPath, "unload", "\(id)"], environment: env, peak: peak)
            return unload.exitCode == 0 ? [load, unload] : nil
        }),
        ("bpftool (4 processes)", { peak in
            let steps = [["bpftool", "prog", "load", xdp, pin], ["bpftool", "net", "attach", "xdpdrv", "pinned", pin, "dev", "bbh"],
                         ["bpftool", "net", "detach", "xdpdrv", "dev", "bbh"], ["rm", "-f", pin]]
            var done: [ProcessRun] = []
            for argv in steps {
                let r = ProcessRun.run(argv, environment: env, peak: peak)
                guard r.exitCode == 0 else { return nil }
                done.append(r)
            }
            sh("rm -f /sys/fs/bpf/xdp_stats_map")
            return done
        }),
    ]
    var figures: [String: (wall: Double, cpu: Double, peak: Int)] = [:]
    // Rounds alternate between the two, so that this machine's drift (a third over an hour) weighs on both alike.
    let cliRuns = max(runs, 40)
    say("\nthe CLI beside bpftool, xdp load+attach then detach+unload as processes, median of \(cliRuns) interleaved rounds (\(cliPath)):")
    var walls = [String: [Double]](), cpus = [String: [Double]]()
    for _ in 0..<cliRuns {
        for (label, round) in rounds {
            guard let r = round(false) else { continue }
            walls[label, default: []].append(r.map(\.wallMs).reduce(0, +))
            cpus[label, default: []].append(r.map(\.cpuMs).reduce(0, +))
        }
    }
    for (label, round) in rounds {
        // One more round under GNU time, for the peak only.
        guard walls[label]?.count == cliRuns, let peak = round(true)?.map(\.peakKiB).max() else { say("  \(label): failed"); continue }
        let figure = (wall: median(walls[label] ?? []), cpu: median(cpus[label] ?? []), peak: peak)
        figures[label] = figure
        say(String(format: "  %-22@ wall %6.1f ms   CPU %6.1f ms   peak RSS %5.1f MiB", label, figure.wall, figure.cpu, Double(peak) / 1024))
    }
    if let b = figures["bpfman (2 processes)"], let t = figures["bpftool (4 processes)"] {
        say(String(format: "  bpfman / bpftool: wall %.2fx (goal <= 1.3x)   CPU %.2fx (goal <= 2x)", b.wall / t.wall, b.cpu / t.cpu))
    }
}

// ---- Dispatcher cost per packet (BPF_PROG_TEST_RUN on the host kernel) ----
// The host refuses freplace, so the dispatcher runs with empty slots (stub
// calls); with programs linked in, the cost is measured in the VM tier's kernel.
do {
    func nsPerPacket(_ object: String, _ program: String, config: DispatcherConfig? = nil) throws -> UInt32 {
        let obj = try BpfObject(path: object)
        for m in obj.maps { try m.setPinPath(nil) }
        if let config, let g = try obj.global(named: config.symbol) { try g.setInitialValue(config.bytes) }
        for p in obj.programs { p.setAutoload(p.name == program) }
        try obj.load()
        guard let fd = obj.program(named: program)?.fd else { return 0 }
        return try TestRun.run(programFD: fd, input: TestRun.udpFrame, repeat: 1_000_000).nanosecondsPerRun
    }
    var cells = ["xdp_stats alone: \(try nsPerPacket(xdp, "xdp_stats")) ns"]
    for k in [1, 2, 5, 10] {
        let config = DispatcherConfig(hook: .xdp, masks: Array(repeating: 1 << 31, count: k))
        cells.append("dispatcher k=\(k): \(try nsPerPacket(bpf + "/dispatchers/xdp_dispatcher_v2.bpf.o", "xdp_dispatcher", config: config)) ns")
    }
    say("\nper packet, BPF_PROG_TEST_RUN x1e6 on the host (dispatcher slots empty: no freplace here):")
    say("  " + cells.joined(separator: "   "))
} catch {
    say("dispatcher per-packet figures failed: \(error)")
}

// ---- Through bpfman-rpc: Load latency beside in-process, List with 100 programs ----
let rpcBinary = ProcessInfo.processInfo.environment["BPFMAN_RPC_BIN"] ?? root + "/.build/release/bpfman-rpc"
let socket = base + "/bench.sock"
let server = Process()
server.executableURL = URL(fileURLWithPath: rpcBinary)
let csiSocket = base + "/csi/csi.sock"
server.arguments = ["--socket-path", socket, "--timeout", "0", "--csi-support", "--csi-socket", csiSocket]
var serverEnv = ProcessInfo.processInfo.environment
serverEnv["KUBE_NODE_NAME"] = "bench"
serverEnv["BPFMAN_BPFFS_ROOT"] = paths.bpffsRoot
serverEnv["BPFMAN_STATE_DIR"] = paths.stateDir
serverEnv["RUST_LOG"] = "error"
server.environment = serverEnv
try server.run()
defer { if server.isRunning { server.terminate(); server.waitUntilExit() } }
for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }

var tpRequest = Bpfman_V1_LoadRequest()
tpRequest.bytecode.file = tp
tpRequest.name = "tracepoint_openat"
var tpAttach = Bpfman_V1_TracepointAttachInfo()
tpAttach.tracepoint = "syscalls/sys_enter_openat"
tpRequest.attach.tracepointAttachInfo = tpAttach
let inProcess = cases[3].request
let tpBase = tpRequest

let figures = try await BpfmanClient.withClient(socketPath: socket) { client -> [String] in
    var rpcLoad: [Double] = [], rpcUnload: [Double] = [], libLoad: [Double] = [], libUnload: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let id = try await client.load(tpBase).kernelInfo.id
        let loaded = ContinuousClock.now
        try await client.unload(id: id)
        let done = ContinuousClock.now
        rpcLoad.append(ms(loaded - start))
        rpcUnload.append(ms(done - loaded))
        var lid: UInt32 = 0
        libLoad.append(try time { lid = try manager.load(inProcess).kernel.id })
        libUnload.append(try time { try manager.unload(id: lid) })
    }
    // A tracepoint takes a bounded number of programs (BPF_TRACE_MAX_PROGS): spread them.
    var ids: [UInt32] = []
    for i in 0..<100 {
        var r = tpBase
        r.attach.tracepointAttachInfo.tracepoint = ["syscalls/sys_enter_openat", "syscalls/sys_exit_openat",
                                                    "syscalls/sys_enter_close", "syscalls/sys_exit_close"][i % 4]
        ids.append(try await client.load(r).kernelInfo.id)
    }
    var listTimes: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let n = try await client.list(Bpfman_V1_ListRequest()).count
        listTimes.append(ms(ContinuousClock.now - start))
        precondition(n >= 100)
    }
    for id in ids { try await client.unload(id: id) }
    return [
        String(format: "tracepoint load:   rpc %.2f ms   in-process %.2f ms", median(rpcLoad), median(libLoad)),
        String(format: "tracepoint unload: rpc %.2f ms   in-process %.2f ms", median(rpcUnload), median(libUnload)),
        String(format: "List with 100 bpfman programs loaded: %.2f ms round trip", median(listTimes)),
    ]
}
say("\nthrough bpfman-rpc (unix socket, same machine), median of \(runs):")
for f in figures { print("  " + f) }

// ---- CSI: NodePublishVolume / NodeUnpublishVolume of 1 and 10 maps ----
do {
    let csiRuns = 20
    var mapsRequest = tpBase
    mapsRequest.bytecode.file = bpf + "/testdata/csi_maps.bpf.o"
    mapsRequest.name = "csi_openat"
    mapsRequest.metadata = ["bpfman.io/ProgramName": "bench-maps"]
    let mapsLoad = mapsRequest
    let tenMaps = ["csi_calls", "csi_pid"] + (2...9).map { "csi_m\($0)" }
    let pods = base + "/pods"
    try FileManager.default.createDirectory(atPath: pods, withIntermediateDirectories: true)
    let lines = try await BpfmanClient.withClient(socketPath: socket) { client -> [String] in
        let id = try await client.load(mapsLoad).kernelInfo.id
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: csiSocket), transportSecurity: .plaintext)
        let grpc = GRPCClient(transport: transport)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await grpc.runConnections() }
            defer { grpc.beginGracefulShutdown() }
            let node = Csi_V1_Node.Client(wrapping: grpc)
            var out: [String] = []
            for maps in [["csi_calls"], tenMaps] {
                var publish: [Double] = [], unpublish: [Double] = []
                for i in 0..<csiRuns {
                    var p = Csi_V1_NodePublishVolumeRequest()
                    p.volumeID = "bench-\(i)"
                    p.targetPath = pods + "/mount-\(i)"
                    p.volumeCapability.mount = .init()
                    p.volumeCapability.mount.volumeMountGroup = "2000"
                    p.readonly = true
                    p.volumeContext = [CSIVolumeRequest.programKey: "bench-maps", CSIVolumeRequest.mapsKey: maps.joined(separator: ",")]
                    var u = Csi_V1_NodeUnpublishVolumeRequest()
                    u.volumeID = p.volumeID
                    u.targetPath = p.targetPath
                    let start = ContinuousClock.now
                    _ = try await node.nodePublishVolume(p)
                    let published = ContinuousClock.now
                    _ = try await node.nodeUnpublishVolume(u)
                    publish.append(ms(published - start))
                    unpublish.append(ms(ContinuousClock.now - published))
                }
                out.append(String(format: "%2d map%@: NodePublishVolume %.2f ms   NodeUnpublishVolume %.2f ms",
                                  maps.count, maps.count == 1 ? " " : "s", median(publish), median(unpublish)))
            }
            try await client.unload(id: id)
            return out
        }
    }
    say("\nCSI node plugin over its unix socket (read-only, with fsGroup), median of 20:")
    for l in lines { say("  " + l) }
} catch {
    say("CSI figures failed: \(error)")
}
server.terminate()
server.waitUntilExit()

// ---- Bytecode images: cold pull + load, cached load, beside a file load ----
let registryDir = base + "/registry"
try FileManager.default.createDirectory(atPath: registryDir + "/data", withIntermediateDirectories: true)
let registryPort = Int(sh("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'").1
    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 5999
try """
    version: 0.1
    log:
      level: error
      accesslog:
        disabled: true
    storage:
      filesystem:
        rootdirectory: \(registryDir)/data
    http:
      addr: 127.0.0.1:\(registryPort)
    """.write(toFile: registryDir + "/config.yml", atomically: true, encoding: .utf8)
let registry = Process()
registry.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
registry.arguments = ["serve", registryDir + "/config.yml"]
registry.standardOutput = FileHandle.nullDevice
registry.standardError = FileHandle.nullDevice
try registry.run()
defer { if registry.isRunning { registry.terminate(); registry.waitUntilExit() } }
// (a `while`: the check spawns a process, too dear to run for every remaining iteration)
var registryWaits = 0
while registryWaits < 100, sh("python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", \(registryPort)), 1)'").0 != 0 {
    registryWaits += 1
    usleep(100_000)
}
let imageRef = "127.0.0.1:\(registryPort)/bench/tracepoint:v1"
let settings = RegistrySettings(insecureRegistries: ["127.0.0.1:\(registryPort)"])
try await ImageBuilder.push(try ImageBuilder.build(objectPath: tp), to: try ImageReference(parsing: imageRef), settings: settings, auth: nil)
var coldTimes: [Double] = [], cachedTimes: [Double] = [], fileTimes: [Double] = []
let imageRequest = LoadRequest(bytecode: .image(url: imageRef, pullPolicy: .ifNotPresent, digest: nil), name: "tracepoint_openat",
                               attach: .tracepoint(.init(tracepoint: "syscalls/sys_enter_openat")))
for i in 0..<runs {
    let cold = ImageManager(cache: ImageCache(root: "\(base)/cache-\(i)"), settings: settings)
    let warm = ImageManager(cache: ImageCache(root: "\(base)/cache-warm"), settings: settings)
    if i == 0 { _ = try await warm.prepare(imageRequest, auth: nil) }
    for (manager_, into) in [(cold, 0), (warm, 1)] {
        let start = ContinuousClock.now
        let (prepared, path) = try await manager_.prepare(imageRequest, auth: nil)
        let id = try manager.load(prepared, bytecodePath: path).kernel.id
        let d = ms(ContinuousClock.now - start)
        if into == 0 { coldTimes.append(d) } else { cachedTimes.append(d) }
        try manager.unload(id: id)
    }
    var fid: UInt32 = 0
    fileTimes.append(try time { fid = try manager.load(inProcess).kernel.id })
    try manager.unload(id: fid)
}
// Signature verification of the same image: signed with a P-256 key, checked under enforce.
let signingKey = P256.Signing.PrivateKey()
let signedRef = try ImageReference(parsing: imageRef)
let signed = try await ImageSigner.sign(signedRef, key: Certificate.PrivateKey(signingKey), settings: settings, auth: nil)
let trusted = try TrustedKey(pem: signingKey.publicKey.pemRepresentation, source: "bench.pub")
let enforce = SigningPolicy(defaultMode: .enforce, rules: [.init(images: "*", mode: .enforce, keys: [trusted], identities: nil, origin: "bench")])
var verifyCold: [Double] = [], verifyCached: [Double] = []
let verifyClient = try RegistryClient(settings: settings, auth: nil)
let cachedCheck = SignatureCheck(policy: enforce, directory: "\(base)/signatures-warm")
_ = try await cachedCheck.check(signedRef, digest: signed.digest, client: verifyClient)
for i in 0..<20 {
    let coldCheck = SignatureCheck(policy: enforce, directory: "\(base)/signatures-\(i)")
    var start = ContinuousClock.now
    _ = try await coldCheck.check(signedRef, digest: signed.digest, client: verifyClient)
    verifyCold.append(ms(ContinuousClock.now - start))
    start = ContinuousClock.now
    _ = try await cachedCheck.check(signedRef, digest: signed.digest, client: verifyClient)
    verifyCached.append(ms(ContinuousClock.now - start))
}
await verifyClient.shutdown()
registry.terminate()
registry.waitUntilExit()
say("\nbytecode images (local docker-registry over loopback, tracepoint object), median of \(runs):")
say(String(format: "  cold pull + load %.2f ms   cached load %.2f ms   file load %.2f ms",
             median(coldTimes), median(cachedTimes), median(fileTimes)))
say(String(format: "  signature check (key-based, enforce), median of 20: cold %.2f ms (manifest + payload fetched, verified)   cached %.3f ms",
             median(verifyCold), median(verifyCached)))
