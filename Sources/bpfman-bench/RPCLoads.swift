import BpfmanProto
import Foundation

/// `bpfman-bench rpc-loads SOCKET OBJECT N`: the floor of the convergence
/// bench. Loads N tracepoint programs one after another through a running
/// bpfman-rpc (the same request the agent sends for a TracepointProgram),
/// prints the milliseconds the N Loads took together, then unloads them.
enum RPCLoads {
    static func run(_ args: [String]) async throws {
        guard args.count == 3, let n = Int(args[2]), n > 0 else {
            throw ValidationFailure("usage: bpfman-bench rpc-loads SOCKET OBJECT N")
        }
        var request = Bpfman_V1_LoadRequest()
        request.bytecode.file = args[1]
        request.name = "tracepoint_openat"
        var attach = Bpfman_V1_TracepointAttachInfo()
        attach.tracepoint = "syscalls/sys_enter_openat"
        request.attach.tracepointAttachInfo = attach
        let load = request
        let total = try await BpfmanClient.withClient(socketPath: args[0]) { client -> Double in
            var ids: [UInt32] = []
            let start = ContinuousClock.now
            for _ in 0..<n { ids.append(try await client.load(load).kernelInfo.id) }
            let took = ms(ContinuousClock.now - start)
            for id in ids { try await client.unload(id: id) }
            return took
        }
        print(String(format: "%.0f", total))
    }

    struct ValidationFailure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
