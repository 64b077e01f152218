import BpfmanModel
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// An async client of the bpfman.v1 service over its unix socket.
///
/// Calls carry a deadline and wait for the server to be ready within it, so a
/// daemon that is restarting is reconnected to rather than failing at once.
/// `run()` drives the connection until `close()`; `withClient` does both.
public final class BpfmanClient: Sendable {
    private let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let stub: Bpfman_V1_Bpfman.Client<HTTP2ClientTransport.Posix>
    public let defaultTimeout: Duration

    public init(socketPath: String, defaultTimeout: Duration = .seconds(60)) throws {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        grpc = GRPCClient(transport: transport)
        stub = Bpfman_V1_Bpfman.Client(wrapping: grpc)
        self.defaultTimeout = defaultTimeout
    }

    /// Maintains the connection until `close()`.
    public func run() async throws { try await grpc.runConnections() }

    /// Lets calls in flight finish, then stops `run()`.
    public func close() { grpc.beginGracefulShutdown() }

    /// Runs `body` with a connected client, closing it afterwards.
    public static func withClient<T: Sendable>(socketPath: String, defaultTimeout: Duration = .seconds(60),
                                               _ body: @Sendable (BpfmanClient) async throws -> T) async throws -> T {
        let client = try BpfmanClient(socketPath: socketPath, defaultTimeout: defaultTimeout)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { client.close() }
            return try await body(client)
        }
    }

    private func options(_ timeout: Duration?) -> CallOptions {
        var o = CallOptions.defaults
        o.timeout = timeout ?? defaultTimeout
        o.waitForReady = true
        return o
    }

    public func load(_ request: Bpfman_V1_LoadRequest, timeout: Duration? = nil) async throws -> Bpfman_V1_LoadResponse {
        try await stub.load(request, options: options(timeout))
    }

    public func unload(id: UInt32, timeout: Duration? = nil) async throws {
        var r = Bpfman_V1_UnloadRequest()
        r.id = id
        _ = try await stub.unload(r, options: options(timeout))
    }

    public func list(_ request: Bpfman_V1_ListRequest = .init(), timeout: Duration? = nil) async throws -> [Bpfman_V1_ListResponse.ListResult] {
        try await stub.list(request, options: options(timeout)).results
    }

    /// Moves an attached XDP, TC or TCX program without unloading it.
    public func update(id: UInt32, priority: Int32?, proceedOn: ProceedOn? = nil, timeout: Duration? = nil) async throws -> Bpfman_V1_UpdateResponse {
        var r = Bpfman_V1_UpdateRequest()
        r.id = id
        if let priority { r.priority = priority }
        r.proceedOn = proceedOn?.wireValues ?? []
        return try await stub.update(r, options: options(timeout))
    }

    public func get(id: UInt32, timeout: Duration? = nil) async throws -> Bpfman_V1_GetResponse {
        var r = Bpfman_V1_GetRequest()
        r.id = id
        return try await stub.get(r, options: options(timeout))
    }

    public func pullBytecode(_ image: Bpfman_V1_BytecodeImage, timeout: Duration? = nil) async throws {
        var r = Bpfman_V1_PullBytecodeRequest()
        r.image = image
        _ = try await stub.pullBytecode(r, options: options(timeout))
    }
}
