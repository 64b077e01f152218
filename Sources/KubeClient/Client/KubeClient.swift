import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The REST client for the Kubernetes API: TLS, bearer or client-certificate
/// auth, client-side rate limiting, and retries (429 waits Retry-After; 5xx
/// and connection failures back off, except for creates; a 401 re-reads the
/// credentials and backs off). `health` says whether the server serves us.
public final class KubeClient: Sendable {
    public let config: ClusterConfig
    let http: HTTPClient
    let limiter: RateLimiter
    public let maxRetries: Int
    public let health: APIHealth
    let credentials: Credentials

    public init(config: ClusterConfig, maxRetries: Int = 5, logger: Logger = Logger(label: "kube-client")) throws {
        self.config = config
        self.maxRetries = maxRetries
        health = APIHealth(server: config.server, logger: logger)
        credentials = Credentials(config: config, logger: logger)
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = config.caPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
            } catch {
                throw KubeError.transport("the certificate-authority for \(config.server) is not valid PEM: \(error)")
            }
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        if let cert = config.clientCertificatePEM, let key = config.clientKeyPEM {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            } catch {
                throw KubeError.transport("the client certificate or key is not valid PEM: \(error)")
            }
        }
        var c = HTTPClient.Configuration(tlsConfiguration: tls)
        c.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        c.timeout.connect = .seconds(10)
        // Retries are ours (`send`, `ListWatcher`), paced by the server's health.
        // The pool's own retries back off up to a minute per connection and
        // outlast an outage: after the server came back, requests still timed
        // out waiting for the pool for tens of seconds.
        c.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
        self.limiter = RateLimiter(qps: config.qps, burst: config.burst)
    }

    public func shutdown() async throws { try await http.shutdown() }

    func request(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: [UInt8]?, contentType: String) throws -> HTTPClientRequest {
        var url = config.server.hasSuffix("/") ? String(config.server.dropLast()) : config.server
        url += path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(KubeClient.escape($0.1))" }.joined(separator: "&")
        }
        var r = HTTPClientRequest(url: url)
        r.method = method
        r.headers.add(name: "Accept", value: "application/json")
        r.headers.add(name: "User-Agent", value: "bpfman-swift")
        if let token = try credentials.token() { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            r.headers.add(name: "Content-Type", value: contentType)
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        return r
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Sends one request and returns the body of a 2xx answer; anything else
    /// throws a `KubeError` after the retries the answer allows.
    public func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                     contentType: String = "application/json") async throws -> [UInt8]
    {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(10))
        var attempt = 0
        while true {
            attempt += 1
            try await limiter.acquire()
            let failure: KubeError
            do {
                let resp = try await http.execute(try request(method, path, query: query, body: body, contentType: contentType),
                                                  timeout: .seconds(60))
                var buf = try await resp.body.collect(upTo: 256 << 20)
                let bytes = buf.readBytes(length: buf.readableBytes) ?? []
                if (200..<300).contains(Int(resp.status.code)) { health.answered(); return bytes }
                failure = KubeError.from(status: Int(resp.status.code), body: bytes,
                                         retryAfterHeader: resp.headers.first(name: "Retry-After"))
            } catch let e as KubeError {
                throw e
            } catch {
                failure = KubeClient.describe(error, server: config.server)
            }
            noteFailure(failure)
            guard attempt <= maxRetries, let wait = retryDelay(failure, method: method, backoff: &backoff) else { throw failure }
            try await Task.sleep(for: wait)
        }
    }

    func retryDelay(_ e: KubeError, method: HTTPMethod, backoff: inout Backoff) -> Duration? {
        switch e.reason {
        case .tooManyRequests: return e.retryAfter ?? backoff.next()
        case .serverError, .timeout, .transport:
            if let r = e.retryAfter { return r }
            return method == .POST ? nil : backoff.next()
        // Refused before anything was done: safe to retry even a create, with the credentials read again.
        case .unauthorized: return backoff.next()
        default: return nil
        }
    }

    /// What every failed request does: `health` hears of it, and a 401 has
    /// the credentials read again for the next attempt. Returns `e`.
    @discardableResult
    func noteFailure(_ e: KubeError) -> KubeError {
        health.record(e)
        if e.reason == .unauthorized { credentials.reload() }
        return e
    }

    /// Says plainly what a connection failure means, especially a TLS one.
    static func describe(_ error: Error, server: String) -> KubeError {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return .transport("TLS handshake with \(server) failed: the server's certificate is not signed by the configured certificate-authority (\(text))")
        }
        if text.contains("handshakeFailed") || text.contains("SSL") {
            return .transport("TLS handshake with \(server) failed: \(text)")
        }
        return .transport("cannot reach \(server): \(text)")
    }

    /// Opens a streaming GET (watch); the caller reads the body.
    func stream(_ path: String, query: [(String, String)], deadline: TimeAmount) async throws -> HTTPClientResponse {
        try await limiter.acquire()
        let resp: HTTPClientResponse
        do {
            resp = try await http.execute(try request(.GET, path, query: query, body: nil, contentType: ""), timeout: deadline)
        } catch let e as KubeError {
            throw e
        } catch {
            throw noteFailure(KubeClient.describe(error, server: config.server))
        }
        guard (200..<300).contains(Int(resp.status.code)) else {
            var buf = try await resp.body.collect(upTo: 1 << 20)
            throw noteFailure(KubeError.from(status: Int(resp.status.code), body: buf.readBytes(length: buf.readableBytes) ?? [],
                                             retryAfterHeader: resp.headers.first(name: "Retry-After")))
        }
        health.answered()
        return resp
    }
}
