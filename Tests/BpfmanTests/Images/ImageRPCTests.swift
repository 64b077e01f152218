import BpfKernel
import Bpfman
import BpfmanImages
import BpfmanRPC
import Foundation
import GRPCCore
import Testing

/// PullBytecode and image loads through bpfman-rpc, with image errors'
/// status codes.
@Suite("Bytecode images through bpfman-rpc (registry, host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct ImageRPCTests {
    static func image(_ url: String, policy: Int32 = 1, user: String? = nil, password: String? = nil) -> Bpfman_V1_BytecodeImage {
        var i = Bpfman_V1_BytecodeImage()
        i.url = url
        i.imagePullPolicy = policy
        if let user { i.username = user }
        if let password { i.password = password }
        return i
    }

    @Test("PullBytecode and Load from an image; image failures map to fitting status codes")
    func imagesOverRPC() async throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let registry = try TestRegistry()
        let secure = try TestRegistry(tls: true, auth: true)
        box.extraEnv = ["BPFMAN_REGISTRY_CA": secure.caFile]
        let server = try RPCServerProcess(box)
        let ref = "\(registry.host)/rpc/xdp:v1"
        try ImageTests.push(box, TestPaths.example("xdp_counter"), to: ref)
        let privateRef = "\(secure.host)/rpc/private:v1"
        try ImageTests.push(box, TestPaths.example("xdp_counter"), to: privateRef, auth: secure.authArgument)
        let corrupt = try RegistryProxy(upstream: registry, flags: ["--corrupt-blobs"])
        let creds = try #require(secure.credentials)

        try await BpfmanClient.withClient(socketPath: server.socketPath) { (client: BpfmanClient) async throws -> Void in
            try await client.pullBytecode(Self.image(ref, policy: 0))
            var load = Bpfman_V1_LoadRequest()
            load.bytecode.image = Self.image(ref)
            load.name = "xdp_stats"
            var x = Bpfman_V1_XDPAttachInfo()
            x.iface = veth.host
            x.priority = 50
            load.attach.xdpAttachInfo = x
            let loaded = try await client.load(load)
            #expect(loaded.info.bytecode.image.url == ref)
            #expect(loaded.info.bytecode.image.username == "", "credentials are never returned")
            let pin = "\(loaded.info.mapPinPath)/xdp_stats_map"
            let before = try MapAccess.lookupU64(pin: pin, key: 0)
            try veth.sendToHost(6)
            #expect(try MapAccess.lookupU64(pin: pin, key: 0) - before >= 6)
            try await client.unload(id: loaded.kernelInfo.id)

            try await client.pullBytecode(Self.image(privateRef, policy: 0, user: creds.user, password: creds.password))
            let cases: [(String, Bpfman_V1_BytecodeImage, RPCError.Code, String)] = [
                ("unknown tag", Self.image("\(registry.host)/rpc/xdp:nope", policy: 0), .notFound, "not found"),
                ("never, not cached", Self.image("\(registry.host)/rpc/other:v1", policy: 2), .notFound, "pull policy is Never"),
                ("wrong credentials", Self.image(privateRef, policy: 0, user: creds.user, password: "wrong"), .permissionDenied, "(HTTP 401)"),
                ("digest mismatch", Self.image("\(corrupt.host)/rpc/xdp:v1", policy: 0), .dataLoss, "does not match its digest"),
                ("unreachable", Self.image("127.0.0.1:1/rpc/xdp:v1", policy: 0), .unavailable, "cannot reach registry 127.0.0.1:1"),
                ("bad reference", Self.image("quay.io//x", policy: 0), .invalidArgument, "invalid image reference"),
            ]
            for (name, image, code, message) in cases {
                let got = await RPCServerTests.statusCode { try await client.pullBytecode(image) }
                #expect(got.0 == code, "\(name): \(String(describing: got.0)) \(got.1)")
                #expect(got.1.contains(message), "\(name): \(got.1)")
            }
            load.name = "nope"
            let missing = await RPCServerTests.statusCode { _ = try await client.load(load) }
            #expect(missing.0 == .notFound)
            #expect(missing.1.contains("program nope not found in bytecode image \(ref)"), "\(missing.1)")
        }
        #expect(box.pins().isEmpty)
        #expect(try box.records().isEmpty)
        withExtendedLifetime((registry, secure, corrupt, server)) {}
    }

    @Test("a Load whose client gives up while the registry stalls (its deadline passes, or it cancels): another client's Load goes through meanwhile, and once the registry answers nothing is loaded, recorded, pinned or cached",
          arguments: ["deadline", "cancel"])
    func loadGivenUpLeavesNothing(_ how: String) async throws {
        let box = try Sandbox()
        let registry = try TestRegistry()
        let log = box.base + "/proxy.log"
        let proxy = try RegistryProxy(upstream: registry, flags: ["--stall-manifests", "4", "--log", log])
        try ImageTests.push(box, TestPaths.example("tracepoint_counter"), to: "\(registry.host)/slow/tp:v1")
        let server = try RPCServerProcess(box)
        let baseline = try KernelTruth.highestProgramID()
        var request = RPCServerTests.tracepointRequest()
        request.bytecode.image = Self.image("\(proxy.host)/slow/tp:v1", policy: 0)
        let slow = request
        let order = OrderLog()

        try await BpfmanClient.withClient(socketPath: server.socketPath) { (client: BpfmanClient) async throws -> Void in
            let given = Task {
                let r = await RPCServerTests.statusCode {
                    _ = try await client.load(slow, timeout: how == "deadline" ? .seconds(1) : .seconds(60))
                }
                await order.note("slow load ended")
                return r
            }
            try await Task.sleep(for: .milliseconds(200))
            if how == "cancel" {
                Task {
                    try await Task.sleep(for: .milliseconds(800))
                    given.cancel()
                }
            }
            try await BpfmanClient.withClient(socketPath: server.socketPath) { (other: BpfmanClient) async throws -> Void in
                let loaded = try await other.load(RPCServerTests.tracepointRequest())
                await order.note("other load done")
                try await other.unload(id: loaded.kernelInfo.id)
            }
            let (code, message) = await given.value
            if how == "deadline" {
                #expect(code == .deadlineExceeded, "\(String(describing: code)) \(message)")
            } else {
                // How gRPC Swift reports a call its own task cancelled is its business; it must not succeed.
                #expect(code != nil || !message.isEmpty, "the cancelled call returned a program")
            }
        }
        #expect(await order.events == ["other load done", "slow load ended"], "the stalled pull held nobody else up")

        // The registry answers after its stall; the server must have stopped the pull by then.
        var answered = false
        for _ in 0..<150 where !answered {
            answered = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("GET /v2/slow/tp/manifests/v1 200")
            if !answered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answered, "the proxy answered the stalled manifest request")
        try await Task.sleep(for: .seconds(2))
        #expect(try box.records().isEmpty)
        #expect(box.pins().isEmpty)
        let left = try KernelTruth.settled(Set<UInt32>()) { try KernelTruth.programs(named: ["tracepoint_openat"], after: baseline) }
        #expect(left.isEmpty, "no program of the given-up load is in the kernel: \(left)")
        #expect(!ImageCache(root: box.imageCache).referenceFiles().contains { $0.contains("slow") }, "nothing cached")
        withExtendedLifetime((registry, proxy, server)) {}
    }
}

/// The order in which concurrent steps finished.
actor OrderLog {
    private(set) var events: [String] = []
    func note(_ e: String) { events.append(e) }
}
