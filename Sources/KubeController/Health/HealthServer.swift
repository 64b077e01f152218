import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import Synchronization

/// The daemons' probe and metrics endpoints: `/healthz` (alive), `/readyz`
/// (a readiness check, e.g. caches synced), `/metrics` (Prometheus text).
public final class HealthServer: Sendable {
    /// Upstream's ports: probes on 8175, metrics on 8174 (a daemon runs one server for each).
    public static let defaultHealthPort = 8175
    public static let defaultMetricsPort = 8174

    public let registry: PrometheusCollectorRegistry
    private let ready: @Sendable () -> Bool
    private let channels = Mutex<[Channel]>([])

    public init(registry: PrometheusCollectorRegistry, ready: @escaping @Sendable () -> Bool) {
        self.registry = registry
        self.ready = ready
    }

    /// Starts listening; returns the bound port (pass 0 for any).
    public func start(host: String = "0.0.0.0", port: Int) async throws -> Int {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: ch)
                }
            }
        channels.withLock { $0.append(server.channel) }
        Task {
            try? await withThrowingDiscardingTaskGroup { g in
                try await server.executeThenClose { inbound in
                    for try await conn in inbound { g.addTask { try? await self.serve(conn) } }
                }
            }
        }
        return server.channel.localAddress?.port ?? port
    }

    /// Starts the probe and the metrics endpoint from upstream-style
    /// addresses (`host:port`, `:port` for every address). Either failing
    /// stops both and throws an error naming the two addresses.
    public func start(health: String, metrics: String) async throws -> (health: Int, metrics: Int) {
        guard let (hh, hp) = Self.split(health), let (mh, mp) = Self.split(metrics) else {
            throw HealthServerError(description: "bind addresses are host:port (got \(health) and \(metrics))")
        }
        do {
            return (try await start(host: hh, port: hp), try await start(host: mh, port: mp))
        } catch {
            await stop()
            throw HealthServerError(description: "cannot listen on \(health) / \(metrics): \(error)")
        }
    }

    public static func split(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        let host = String(address[..<colon])
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    public func stop() async {
        for c in channels.withLock({ $0 }) { try? await c.close() }
    }

    private func serve(_ conn: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await conn.executeThenClose { inbound, outbound in
            for try await part in inbound {
                guard case .head(let h) = part else { continue }
                let path = String(h.uri.split(separator: "?").first ?? "")
                let (status, type, body): (HTTPResponseStatus, String, [UInt8])
                switch path {
                case "/healthz", "/livez": (status, type, body) = (.ok, "text/plain", Array("ok".utf8))
                case "/readyz":
                    (status, type, body) = ready() ? (.ok, "text/plain", Array("ok".utf8))
                        : (.serviceUnavailable, "text/plain", Array("not ready".utf8))
                case "/metrics": (status, type, body) = (.ok, "text/plain; version=0.0.4", registry.emitToBuffer())
                default: (status, type, body) = (.notFound, "text/plain", Array("not found".utf8))
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: type)
                headers.add(name: "Content-Length", value: String(body.count))
                try await outbound.write(.head(HTTPResponseHead(version: h.version, status: status, headers: headers)))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
            }
        }
    }
}

public struct HealthServerError: Error, CustomStringConvertible {
    public var description: String
}
