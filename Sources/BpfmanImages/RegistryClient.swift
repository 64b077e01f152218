import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// An OCI distribution client: manifests, blobs, pushes. Handles Basic and
/// Bearer (token from the `WWW-Authenticate` challenge) authentication, and
/// checks every blob's digest before handing it out.
public final class RegistryClient: Sendable {
    let http: HTTPClient
    let settings: RegistrySettings
    let auth: RegistryAuth?
    private let state = LockedState()

    public init(settings: RegistrySettings, auth: RegistryAuth?) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = settings.caFile {
            let extra = try NIOSSLCertificate.fromPEMFile(ca)
            tls.additionalTrustRoots = [.certificates(extra)]
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.redirectConfiguration = .follow(max: 5, allowCycles: false)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.settings = settings
        self.auth = auth
    }

    public func shutdown() async { try? await http.shutdown() }

    /// Runs `body` with a client for `auth`, shut down afterwards whether it succeeds or throws.
    public static func with<T>(settings: RegistrySettings, auth: RegistryAuth?,
                               _ body: (RegistryClient) async throws -> T) async throws -> T {
        let client = try RegistryClient(settings: settings, auth: auth)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// HTTPS, except for registries configured as insecure, and for local ones
    /// (localhost, 127.x) until they answer that they speak TLS.
    private func scheme(_ host: String) -> String {
        if settings.insecureRegistries.contains(host) { return "http" }
        if settings.isLocal(host) { return state.speaksTLS(host) ? "https" : "http" }
        return "https"
    }

    func send(_ method: HTTPMethod, host: String, path: String, headers: [(String, String)] = [],
              body: [UInt8]? = nil, scope: String, limit: Int) async throws -> Response {
        var authorization = state.token(host: host, scope: scope)
        var triedAuth = false
        while true {
            let url = path.hasPrefix("http://") || path.hasPrefix("https://") ? path : "\(scheme(host))://\(host)\(path)"
            var request = HTTPClientRequest(url: url)
            request.method = method
            for (k, v) in headers { request.headers.add(name: k, value: v) }
            if let authorization { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(Int64(settings.requestTimeout.components.seconds)))
            } catch {
                if url.hasPrefix("http://"), settings.isLocal(host), !settings.insecureRegistries.contains(host), !state.speaksTLS(host) {
                    state.markTLS(host)
                    continue
                }
                throw ImageError.unreachable(host, "\(error)")
            }
            let bytes: ByteBuffer
            do {
                bytes = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw ImageError.tooLarge(host, "the response to \(method) \(path)", limit: limit)
            }
            // A TLS server answers a plain request with 400 ("… HTTP request to an HTTPS server").
            if response.status == .badRequest, url.hasPrefix("http://"), settings.isLocal(host),
               !settings.insecureRegistries.contains(host), !state.speaksTLS(host),
               String(decoding: Array(buffer: bytes), as: UTF8.self).lowercased().contains("https") {
                state.markTLS(host)
                continue
            }
            if response.status == .unauthorized && !triedAuth {
                triedAuth = true
                state.markChallenged()
                let challenge = AuthChallenge(response.headers.first(name: "WWW-Authenticate") ?? "")
                switch challenge.scheme {
                case "bearer":
                    authorization = "Bearer " + (try await fetchToken(challenge, host: host, scope: scope))
                    state.setToken(authorization, host: host, scope: scope)
                    continue
                case "basic" where auth != nil:
                    authorization = auth?.basicHeader
                    state.setToken(authorization, host: host, scope: scope)
                    continue
                default: break
                }
            }
            let result = Response(status: response.status, headers: response.headers, body: Array(buffer: bytes))
            if response.status == .unauthorized || response.status == .forbidden {
                throw ImageError.unauthorized(host, Int(response.status.code), Self.errorText(result.body))
            }
            return result
        }
    }

    private func fetchToken(_ c: AuthChallenge, host: String, scope: String) async throws -> String {
        guard let realm = c.params["realm"], var components = URLComponents(string: realm) else {
            throw ImageError.unauthorized(host, 401, "Bearer challenge without a realm")
        }
        var items = components.queryItems ?? []
        if let service = c.params["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: c.params["scope"] ?? scope))
        components.queryItems = items
        guard let url = components.string else { throw ImageError.unauthorized(host, 401, "bad token realm \(realm)") }
        var request = HTTPClientRequest(url: url)
        if let auth { request.headers.add(name: "Authorization", value: auth.basicHeader) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(30))
        } catch {
            throw ImageError.unreachable(components.host ?? realm, "token service: \(error)")
        }
        let body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else {
            throw ImageError.unauthorized(host, Int(response.status.code), "token service \(realm): \(Self.errorText(body))")
        }
        struct Token: Decodable { var token: String?; var access_token: String? }
        guard let t = try? JSONDecoder().decode(Token.self, from: Data(body)), let token = t.token ?? t.access_token else {
            throw ImageError.unauthorized(host, 401, "token service \(realm) answered without a token")
        }
        return token
    }

    static func errorText(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: operations

    /// The manifest (or index) a reference names, with its media type and digest.
    public func manifest(_ ref: ImageReference) async throws -> (body: [UInt8], mediaType: String, digest: String) {
        let r = try await send(.GET, host: ref.apiHost, path: "/v2/\(ref.repository)/manifests/\(ref.reference)",
                               headers: [("Accept", MediaType.manifests.joined(separator: ", "))],
                               scope: "repository:\(ref.repository):pull", limit: 4 << 20)
        if r.status == .notFound { throw ImageError.notFound(ref, "the registry has no manifest \(ref.reference) (\(Self.errorText(r.body)))") }
        guard r.status == .ok else { throw ImageError.registry("\(ref)", Int(r.status.code), Self.errorText(r.body)) }
        let digest = Digest.sha256(r.body)
        if let d = ref.digest, d != digest { throw ImageError.digestMismatch("manifest of \(ref)", expected: d, got: digest) }
        let type = r.headers.first(name: "Content-Type")?.split(separator: ";").first.map(String.init) ?? ""
        return (r.body, type, digest)
    }

    /// Whether the registry serves the manifest `digest` of `ref`'s
    /// repository to this client's credentials: a HEAD, nothing downloaded.
    /// Throws `unauthorized` when it refuses them.
    public func checkManifest(_ ref: ImageReference, digest: String) async throws {
        let r = try await send(.HEAD, host: ref.apiHost, path: "/v2/\(ref.repository)/manifests/\(digest)",
                               headers: [("Accept", MediaType.manifests.joined(separator: ", "))],
                               scope: "repository:\(ref.repository):pull", limit: 1 << 16)
        if r.status == .notFound { throw ImageError.notFound(ref, "the registry no longer has its manifest \(digest)") }
        guard r.status == .ok else { throw ImageError.registry("\(ref)", Int(r.status.code), Self.errorText(r.body)) }
    }

    /// Whether a registry asked this client for credentials (a 401 challenge) so far.
    public var wasChallenged: Bool { state.challenged }

    /// A blob, its digest checked.
    public func blob(_ ref: ImageReference, _ d: Descriptor, limit: Int) async throws -> [UInt8] {
        if d.size > limit { throw ImageError.tooLarge("\(ref)", "blob \(d.digest) (\(d.size) bytes)", limit: limit) }
        let r = try await send(.GET, host: ref.apiHost, path: "/v2/\(ref.repository)/blobs/\(d.digest)",
                               scope: "repository:\(ref.repository):pull", limit: limit)
        guard r.status == .ok else { throw ImageError.registry("\(ref) blob \(d.digest)", Int(r.status.code), Self.errorText(r.body)) }
        try Digest.verify(r.body, d.digest, what: "blob \(d.digest) of \(ref)")
        return r.body
    }

    /// Uploads a blob unless the registry has it (monolithic upload).
    public func push(blob: [UInt8], to ref: ImageReference) async throws -> Descriptor {
        let digest = Digest.sha256(blob)
        let scope = "repository:\(ref.repository):pull,push"
        let head = try await send(.HEAD, host: ref.apiHost, path: "/v2/\(ref.repository)/blobs/\(digest)", scope: scope, limit: 1 << 16)
        if head.status == .ok { return Descriptor(mediaType: nil, digest: digest, size: blob.count) }
        let start = try await send(.POST, host: ref.apiHost, path: "/v2/\(ref.repository)/blobs/uploads/", scope: scope, limit: 1 << 16)
        guard start.status == .accepted, let location = start.headers.first(name: "Location") else {
            throw ImageError.registry("upload to \(ref)", Int(start.status.code), Self.errorText(start.body))
        }
        let base = location.hasPrefix("/") ? "\(scheme(ref.apiHost))://\(ref.apiHost)\(location)" : location
        let url = base + (base.contains("?") ? "&" : "?") + "digest=" + digest
        let put = try await send(.PUT, host: ref.apiHost, path: url, headers: [("Content-Type", "application/octet-stream")],
                                 body: blob, scope: scope, limit: 1 << 16)
        guard put.status == .created else { throw ImageError.registry("upload of \(digest) to \(ref)", Int(put.status.code), Self.errorText(put.body)) }
        return Descriptor(mediaType: nil, digest: digest, size: blob.count)
    }

    public func push(manifest: [UInt8], mediaType: String, to ref: ImageReference) async throws {
        let r = try await send(.PUT, host: ref.apiHost, path: "/v2/\(ref.repository)/manifests/\(ref.reference)",
                               headers: [("Content-Type", mediaType)], body: manifest,
                               scope: "repository:\(ref.repository):pull,push", limit: 1 << 16)
        guard r.status == .created else { throw ImageError.registry("manifest of \(ref)", Int(r.status.code), Self.errorText(r.body)) }
    }
}

/// A parsed `WWW-Authenticate` header.
struct AuthChallenge {
    var scheme: String
    var params: [String: String] = [:]

    init(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        scheme = trimmed[..<space].lowercased()
        var rest = Substring(trimmed[space...])
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            params[key.lowercased()] = value
        }
    }
}

/// Tokens per host and scope, and local hosts that turned out to speak TLS.
final class LockedState: Sendable {
    private struct State {
        var tokens: [String: String] = [:]
        var tls: Set<String> = []
        var challenged = false
    }
    private let state = Mutex(State())

    func token(host: String, scope: String) -> String? { state.withLock { $0.tokens[host + " " + scope] } }
    func setToken(_ t: String?, host: String, scope: String) { state.withLock { $0.tokens[host + " " + scope] = t } }
    func speaksTLS(_ host: String) -> Bool { state.withLock { $0.tls.contains(host) } }
    func markTLS(_ host: String) { state.withLock { _ = $0.tls.insert(host) } }
    var challenged: Bool { state.withLock { $0.challenged } }
    func markChallenged() { state.withLock { $0.challenged = true } }
}
