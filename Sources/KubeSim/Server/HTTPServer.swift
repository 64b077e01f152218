import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP/1.1 (optionally TLS) front end: authenticates each request and
/// hands it to the API layer; watch replies stream chunked JSON lines.
final class HTTPServer: Sendable {
    struct Auth: Sendable {
        /// Bearer token → user.
        var tokens: [String: UserInfo]
        var allowAnonymous: Bool
        /// ServiceAccount tokens from TokenRequest.
        var serviceAccounts: TokenRequestHandler
    }

    let handler: APIHandler
    let auth: Auth
    let tls: NIOSSLContext?
    private let state = NIOLockedValueBox<(server: Channel?, connections: [ObjectIdentifier: Channel], task: Task<Void, Never>?)>((nil, [:], nil))

    init(handler: APIHandler, auth: Auth, tls: NIOSSLContext?) {
        self.handler = handler
        self.auth = auth
        self.tls = tls
    }

    /// Binds and starts serving; returns the bound port.
    func start(host: String, port: Int) async throws -> Int {
        let tls = self.tls
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    var limits = NIOHTTPDecoderLimitConfiguration()
                    limits.maxHeaderFieldSize = HTTPServer.maxHeaderBytes
                    limits.maxHeaderListSize = HTTPServer.maxHeaderBytes
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withErrorHandling: false, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
                    try channel.pipeline.syncOperations.addHandler(ProtocolErrorReply(headerLimit: HTTPServer.maxHeaderBytes))
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        let task = Task<Void, Never> {
            try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await conn in inbound {
                        group.addTask { await self.serve(conn) }
                    }
                }
            }
        }
        state.withLockedValue { $0 = (server.channel, [:], task) }
        return bound
    }

    /// Closes the listener and every open connection.
    func stop() async {
        let (server, conns, task) = state.withLockedValue { s in
            let r = (s.server, Array(s.connections.values), s.task)
            s = (nil, [:], nil)
            return r
        }
        try? await server?.close()
        for c in conns { try? await c.close() }
        await task?.value
    }

    private func serve(_ conn: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let channel = conn.channel
        let id = ObjectIdentifier(channel)
        state.withLockedValue { $0.connections[id] = channel }
        defer { _ = state.withLockedValue { $0.connections.removeValue(forKey: id) } }
        var certUser: UserInfo?? = nil
        try? await conn.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var bodyTooLarge = false
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body = []
                    bodyTooLarge = false
                case .body(let b):
                    // Past the limit the rest is read and dropped, so memory stays bounded.
                    if bodyTooLarge || body.count + b.readableBytes > HTTPServer.maxBodyBytes {
                        bodyTooLarge = true
                        body = []
                    } else {
                        body.append(contentsOf: b.readableBytesView)
                    }
                case .end:
                    guard let h = head else { continue }
                    head = nil
                    if certUser == nil { certUser = .some(await self.peerUser(channel)) }
                    let user = self.authenticate(h, certUser: certUser ?? nil)
                    let req = APIRequest(method: h.method.rawValue, uri: h.uri, headers: h.headers.map { ($0.name, $0.value) },
                                         body: body, user: user)
                    let reply: APIReply
                    if user == nil && !self.auth.allowAnonymous && !HTTPServer.publicPaths.contains(req.path) {
                        reply = .error(APIError(code: 401, reason: "Unauthorized", message: "Unauthorized"))
                    } else if bodyTooLarge {
                        reply = .error(.requestEntityTooLarge(limit: HTTPServer.maxBodyBytes))
                    } else {
                        reply = await self.handler.handle(req)
                    }
                    switch reply {
                    case .full(let status, let headers, let bytes):
                        var hh = HTTPHeaders(headers)
                        hh.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
                        hh.add(name: "Cache-Control", value: "no-cache, private")
                        if !h.isKeepAlive { hh.replaceOrAdd(name: "Connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: status), headers: hh)))
                        if !bytes.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes)))) }
                        try await outbound.write(.end(nil))
                        if !h.isKeepAlive { return }
                    case .watch(let w):
                        // The connection stays open after a watch ends, as with any
                        // keep-alive response; closing here could cut the last chunk.
                        try await self.stream(w, version: h.version, outbound: outbound, channel: channel)
                        if !h.isKeepAlive { return }
                    }
                }
            }
        }
    }

    /// The real server's limits: Go's net/http default for the request line
    /// and headers, and the API server's limit on a request body.
    static let maxHeaderBytes = 1 << 20
    static let maxBodyBytes = 3 * 1024 * 1024

    static let publicPaths: Set<String> = ["/version", "/version/", "/healthz", "/livez", "/readyz"]

    private func stream(_ w: WatchStream, version: HTTPVersion, outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
                        channel: Channel) async throws
    {
        var hh = HTTPHeaders()
        hh.add(name: "Content-Type", value: "application/json")
        hh.add(name: "Transfer-Encoding", value: "chunked")
        hh.add(name: "Cache-Control", value: "no-cache, private")
        try await outbound.write(.head(HTTPResponseHead(version: version, status: .ok, headers: hh)))
        await withTaskGroup(of: Void.self) { g in
            g.addTask {
                for await e in w.events {
                    let line = w.render(e)
                    do { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: line)))) } catch { return }
                }
            }
            g.addTask {
                // Ends when the client goes away (or the task is cancelled; a future's get() would not be).
                let (closed, signal) = AsyncStream<Void>.makeStream()
                channel.closeFuture.whenComplete { _ in signal.finish() }
                for await _ in closed {}
            }
            if let t = w.timeout { g.addTask { try? await Task.sleep(for: t) } }
            if let b = w.bookmarkInterval {
                g.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: b) } catch { return }
                        w.bookmark()
                    }
                }
            }
            await g.next()
            g.cancelAll()
        }
        w.stop()
        try? await outbound.write(.end(nil))
    }

    private func peerUser(_ channel: Channel) async -> UserInfo? {
        guard tls != nil, let cert = try? await channel.nioSSL_peerCertificate().get(), let der = try? cert.toDERBytes() else {
            return nil
        }
        return CertificateAuthority.user(fromDER: der)
    }

    private func authenticate(_ h: HTTPRequestHead, certUser: UserInfo?) -> UserInfo? {
        if let a = h.headers.first(name: "Authorization"), a.hasPrefix("Bearer ") {
            let token = String(a.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            return auth.tokens[token] ?? auth.serviceAccounts.authenticate(token)
        }
        return certUser
    }
}
