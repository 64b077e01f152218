import BpfKernel
import Bpfman
import BpfmanRPC
import Foundation
import GRPCCore
import Testing

@Suite("bpfman-rpc on a unix socket (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct RPCServerTests {
    static func xdpRequest(_ veth: VethPair, uuid: String) -> Bpfman_V1_LoadRequest {
        var r = Bpfman_V1_LoadRequest()
        r.bytecode.file = TestPaths.example("xdp_counter")
        r.name = "xdp_stats"
        var x = Bpfman_V1_XDPAttachInfo()
        x.iface = veth.peer
        x.priority = 50
        x.netns = veth.netnsPath
        r.attach.xdpAttachInfo = x
        r.metadata = ["bpfman.io/uuid": uuid, "app": "rpc-test"]
        return r
    }

    static func tracepointRequest() -> Bpfman_V1_LoadRequest {
        var r = Bpfman_V1_LoadRequest()
        r.bytecode.file = TestPaths.example("tracepoint_counter")
        r.name = "tracepoint_openat"
        var t = Bpfman_V1_TracepointAttachInfo()
        t.tracepoint = "syscalls/sys_enter_openat"
        r.attach.tracepointAttachInfo = t
        return r
    }

    @Test("our client loads an XDP counter in a netns, finds it by metadata, gets it, unloads it; packets counted between")
    func loadListGetUnload() async throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let server = try RPCServerProcess(box)
        let uuid = UUID().uuidString
        try await BpfmanClient.withClient(socketPath: server.socketPath) { client in
            let loaded = try await client.load(Self.xdpRequest(veth, uuid: uuid))
            let id = loaded.kernelInfo.id
            #expect(loaded.info.name == "xdp_stats")
            #expect(loaded.kernelInfo.programType == 6)
            #expect(loaded.info.mapPinPath == box.paths.mapDirectory(id))
            #expect(loaded.info.mapUsedBy == ["\(id)"])
            #expect(loaded.info.attach.xdpAttachInfo.proceedOn == [2, 31], "default proceed-on")
            #expect(loaded.kernelInfo.loadedAt.contains(try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$"#)))

            var byMeta = Bpfman_V1_ListRequest()
            byMeta.matchMetadata = ["bpfman.io/uuid": uuid]
            #expect(try await client.list(byMeta).map(\.kernelInfo.id) == [id])
            byMeta.matchMetadata = ["bpfman.io/uuid": "someone-else"]
            #expect(try await client.list(byMeta).isEmpty)
            var onlyOurs = Bpfman_V1_ListRequest()
            onlyOurs.bpfmanProgramsOnly = true
            onlyOurs.programType = 6
            #expect(try await client.list(onlyOurs).map(\.kernelInfo.id) == [id])

            let got = try await client.get(id: id)
            #expect(got.hasInfo)
            #expect(got.info.metadata["app"] == "rpc-test")
            #expect(got.info.attach.xdpAttachInfo.netns == veth.netnsPath)

            let counter = "\(loaded.info.mapPinPath)/xdp_stats_map"
            let before = try MapAccess.lookupU64(pin: counter, key: 0)
            try veth.sendToPeer(12)
            #expect(try MapAccess.lookupU64(pin: counter, key: 0) - before >= 12)

            // Update (our addition to the API): a new priority and proceed-on, the same program.
            let moved = try await client.update(id: id, priority: 7, proceedOn: .xdp([.drop, .pass]))
            #expect(moved.kernelInfo.id == id && moved.info.attach.xdpAttachInfo.priority == 7)
            #expect(moved.info.attach.xdpAttachInfo.proceedOn == [1, 2])
            let (code, message) = await Self.statusCode { _ = try await client.update(id: id, priority: 2000) }
            #expect(code == .invalidArgument && message.contains("XDP priority 2000 is out of range"), "\(message)")

            try await client.unload(id: id)
            #expect(try await client.list(onlyOurs).isEmpty)
        }
        #expect(box.pins().isEmpty)
        #expect(server.terminate() == 0)
    }

    @Test("20 concurrent clients load and unload tracepoint programs; nothing lost or duplicated")
    func concurrentClients() async throws {
        let box = try Sandbox()
        let server = try RPCServerProcess(box)
        let socket = server.socketPath
        let ids = try await withThrowingTaskGroup(of: [UInt32].self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await BpfmanClient.withClient(socketPath: socket) { client in
                        var mine: [UInt32] = []
                        for _ in 0..<3 {
                            let id = try await client.load(Self.tracepointRequest()).kernelInfo.id
                            mine.append(id)
                            #expect(try await client.get(id: id).hasInfo)
                        }
                        for id in mine.prefix(2) { try await client.unload(id: id) }
                        return mine
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 60)
        #expect(Set(ids).count == 60, "a program id was reported twice")
        let remaining = try await BpfmanClient.withClient(socketPath: socket) { client in
            try await client.list().compactMap { $0.hasInfo ? $0.kernelInfo.id : nil }
        }
        // Unloaded through the long-running daemon, the programs are gone from
        // the kernel (the daemon keeps no descriptor that would hold them).
        let unloaded = ids.filter { !Set(remaining).contains($0) }
        var alive = unloaded
        for _ in 0..<50 where !alive.isEmpty {
            alive = alive.filter { KernelPrograms.info(id: $0) != nil }
            usleep(100_000)
        }
        #expect(alive.isEmpty, "unloaded programs still in the kernel: \(alive)")
        #expect(remaining.count == 20, "one of each client's three programs is left")
        #expect(Set(try box.records().map(\.id)) == Set(remaining))
        try await BpfmanClient.withClient(socketPath: socket) { client in
            for id in remaining { try await client.unload(id: id) }
            #expect(try await client.list().filter(\.hasInfo).isEmpty)
        }
        #expect(box.pins().isEmpty)
    }

    static func statusCode(_ body: () async throws -> Void) async -> (RPCError.Code?, String) {
        do {
            try await body()
            return (nil, "")
        } catch let e as RPCError {
            return (e.code, e.message)
        } catch {
            return (nil, "\(error)")
        }
    }

    @Test("bad inputs reach the client with the fitting status code and the specific message")
    func badInputs() async throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let server = try RPCServerProcess(box)
        try await BpfmanClient.withClient(socketPath: server.socketPath) { (client: BpfmanClient) async throws -> Void in
            func load(_ edit: (inout Bpfman_V1_LoadRequest) -> Void) async -> (RPCError.Code?, String) {
                var r = Self.xdpRequest(veth, uuid: "bad")
                edit(&r)
                return await Self.statusCode { _ = try await client.load(r) }
            }
            let cases: [(String, (RPCError.Code?, String), RPCError.Code, String)] = [
                ("missing file", await load { $0.bytecode.file = "/nonexistent.o" }, .notFound, "bytecode file /nonexistent.o does not exist"),
                ("missing bytecode", await load { $0.clearBytecode() }, .invalidArgument, "missing bytecode location"),
                ("missing attach", await load { $0.clearAttach() }, .invalidArgument, "missing attach info"),
                ("unknown function", await load { $0.name = "nope" }, .notFound, "no program named \"nope\""),
                ("verifier", await load { $0.bytecode.file = TestPaths.testdata("bad_verifier.bpf.o"); $0.name = "bad_prog" },
                 .invalidArgument, "invalid access to packet"),
                ("unknown interface", await load { $0.attach.xdpAttachInfo.iface = "eno1235" }, .notFound, "interface \"eno1235\" not found"),
                ("netns path that is no netns", await load { $0.attach.xdpAttachInfo.netns = TestPaths.example("xdp_counter") }, .invalidArgument,
                 "network namespace \(TestPaths.example("xdp_counter")) is not a network namespace"),
                ("bad proceed-on", await load { $0.attach.xdpAttachInfo.proceedOn = [77] }, .invalidArgument, "proceed_on value 77 is not valid"),
                ("bad global", await load { $0.globalData = ["NOPE": Data([1])] }, .invalidArgument, "global variable NOPE not found"),
                ("10 MB global data value", await load {
                    $0.bytecode.file = TestPaths.example("globals"); $0.name = "xdp_globals"
                    $0.globalData = ["GLOBAL_u32": Data(repeating: 0xAB, count: 10 << 20)]
                }, .invalidArgument, "global GLOBAL_u32 in \(TestPaths.example("globals")) is 4 bytes, but 10485760 were given (starting ABABABAB"),
                ("unknown map owner", await load { $0.mapOwnerID = 4_000_000_000 }, .notFound, "map owner program 4000000000"),
                ("bad direction", await load {
                    var t = Bpfman_V1_TCAttachInfo(); t.iface = veth.host; t.priority = 5; t.direction = "sideways"
                    $0.attach.tcAttachInfo = t
                }, .invalidArgument, "tc_attach_info.direction \"sideways\""),
                ("fentry refused", await load {
                    $0.bytecode.file = TestPaths.example("fentry_counter"); $0.name = "test_fentry"
                    var f = Bpfman_V1_FentryAttachInfo(); f.fnName = "do_unlinkat"; $0.attach.fentryAttachInfo = f
                }, .permissionDenied, "the kernel refused to load fentry program"),
                ("image from an unreachable registry", await load {
                    var i = Bpfman_V1_BytecodeImage(); i.url = "127.0.0.1:1/bpfman/xdp:v1"; $0.bytecode.image = i
                }, .unavailable, "cannot reach registry 127.0.0.1:1"),
                ("bad pull policy", await load {
                    var i = Bpfman_V1_BytecodeImage(); i.url = "x"; i.imagePullPolicy = 9; $0.bytecode.image = i
                }, .invalidArgument, "image_pull_policy 9"),
                ("unload unknown", await Self.statusCode { try await client.unload(id: 4_000_000_001) }, .notFound,
                 "program 4000000001 does not exist or was not loaded by bpfman"),
                ("get unknown", await Self.statusCode { _ = try await client.get(id: 4_000_000_002) }, .notFound, "program 4000000002 does not exist"),
            ]
            for (name, got, code, message) in cases {
                #expect(got.0 == code, "\(name): status \(String(describing: got.0)), message \(got.1)")
                #expect(got.1.contains(message), "\(name): \(got.1)")
            }
            #expect(try await client.list().filter(\.hasInfo).isEmpty)
        }
        #expect(box.pins().isEmpty)
        #expect(try box.records().isEmpty)
    }
}

@Suite("bpfman-rpc beside the CLI (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct RPCBesideCLITests {
    @Test("the CLI keeps working while the daemon runs, and each sees what the other loaded")
    func sharedState() async throws {
        let box = try Sandbox()
        let server = try RPCServerProcess(box)
        let viaCLI = try box.load(TestPaths.example("tracepoint_counter"), "tracepoint_openat",
                                  ["tracepoint", "-t", "syscalls/sys_enter_openat"])
        let viaRPC = try await BpfmanClient.withClient(socketPath: server.socketPath) { client in
            #expect(try await client.get(id: viaCLI.kernel.id).info.name == "tracepoint_openat")
            return try await client.load(RPCServerTests.tracepointRequest()).kernelInfo.id
        }
        let listed = try box.cliJSON([ProgramEntry].self, ["list"]).map(\.kernel.id)
        #expect(listed.sorted() == [viaCLI.kernel.id, viaRPC].sorted())
        #expect(try box.cli(["unload", "\(viaRPC)"]).ok)
        try await BpfmanClient.withClient(socketPath: server.socketPath) { client in
            try await client.unload(id: viaCLI.kernel.id)
        }
        #expect(box.pins().isEmpty)
    }
}
