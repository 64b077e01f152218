import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOSSL

/// An in-process Kubernetes API server for tests and `make run-local`.
///
/// Start one with ``start(_:)``; point kubectl at the kubeconfig it writes.
public final class KubeSim: Sendable {
    /// How to run it.
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 0
        /// HTTPS with a generated CA (the default), or plain HTTP.
        public var tls = true
        /// Plain HTTP serves without authentication unless this is set false.
        public var allowAnonymous: Bool? = nil
        /// Extra bearer tokens (token → user); an admin token is always made.
        public var tokens: [String: String] = [:]
        /// Requests of users other than the admin are authorized against the
        /// stored Roles and bindings (RBAC); false allows everyone everything,
        /// as kubesim did before it enforced RBAC.
        public var enforceRBAC = true
        /// Append each distinct authorization (user, verb, group, resource,
        /// granting rule) to this file; by default `$KUBESIM_AUTHZ_LOG`.
        public var authorizationLog: String? = ProcessInfo.processInfo.environment["KUBESIM_AUTHZ_LOG"]
        public var openShift = false
        /// How many events the watch history keeps; older resourceVersions get 410.
        public var historySize = 10_000
        public var bookmarkInterval: Duration = .seconds(60)
        /// Keep state here across restarts.
        public var dataDir: String? = nil
        /// Reuse (or create and keep) the CA in `ca.crt`/`ca.key` here; by
        /// default `<dataDir>/pki` when there is a data dir, else a fresh CA.
        public var caDirectory: String? = nil
        public init() {}
    }

    public let options: Options
    public let store: ObjectStore
    public let faults: FaultInjector
    public let ca: CertificateAuthority?
    public let adminToken: String
    private let server: HTTPServer
    private let persistence: Persistence?
    private let boundPort: NIOLockedValueBox<Int>

    /// The port it listens on.
    public var port: Int { boundPort.withLockedValue { $0 } }
    /// The base URL clients use.
    public var url: String { "\(options.tls ? "https" : "http")://\(options.host):\(port)" }

    private init(options: Options, store: ObjectStore, faults: FaultInjector, ca: CertificateAuthority?, adminToken: String,
                 server: HTTPServer, persistence: Persistence?)
    {
        self.options = options
        self.store = store
        self.faults = faults
        self.ca = ca
        self.adminToken = adminToken
        self.server = server
        self.persistence = persistence
        self.boundPort = NIOLockedValueBox(options.port)
    }

    public static func start(_ options: Options = Options()) async throws -> KubeSim {
        let store = ObjectStore(openShift: options.openShift, historyCapacity: options.historySize)
        var persistence: Persistence? = nil
        if let dir = options.dataDir {
            let p = try Persistence(directory: dir, store: store)
            try p.load()
            persistence = p
        }
        let faults = FaultInjector()
        // Kept in the data dir: a restarted kubesim accepts the kubeconfigs it wrote before.
        let adminToken = try options.dataDir.map { try Self.persistentToken(directory: $0) } ?? Self.newToken()
        var tokens = options.tokens.mapValues { UserInfo(name: $0) }
        tokens[adminToken] = .admin
        // ServiceAccount tokens are signed with a key derived from the admin
        // token, which the data dir keeps: they outlive a restart too.
        let signing = SymmetricKey(data: SHA256.hash(data: Data(("kubesim serviceaccount tokens\n" + adminToken).utf8)))
        let tokenRequests = TokenRequestHandler(store: store, tokens: ServiceAccountTokens(key: signing))
        let authorizer = Authorizer(store: store, enforce: options.enforceRBAC, log: AuthorizationLog(path: options.authorizationLog))
        var ca: CertificateAuthority? = nil
        var context: NIOSSLContext? = nil
        if options.tls {
            let caDir = options.caDirectory ?? options.dataDir.map { $0 + "/pki" }
            let authority = try caDir.map { try CertificateAuthority.loadOrCreate(directory: $0) } ?? CertificateAuthority()
            // The address it listens on is in the certificate too: local nodes'
            // kubelets and pods reach kubesim at the bridge's address, not loopback.
            var ips: [[UInt8]] = [[127, 0, 0, 1]]
            let octets = options.host.split(separator: ".").compactMap { UInt8($0) }
            if octets.count == 4, octets != [127, 0, 0, 1], octets != [0, 0, 0, 0] { ips.append(octets) }
            let serving = try authority.issueServer(dnsNames: ["localhost", "kubesim"], ipAddresses: ips)
            var config = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(serving.certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serving.keyPEM.utf8), format: .pem)))
            config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(authority.certificatePEM.utf8)))
            config.certificateVerification = .optionalVerification
            config.applicationProtocols = ["http/1.1"]
            context = try NIOSSLContext(configuration: config)
            ca = authority
        }
        let holder = AdminHolder()
        let requests = RequestCounter()
        let handler = APIHandler(store: store, faults: faults, bookmarkInterval: options.bookmarkInterval,
                                 authorizer: authorizer, tokenRequests: tokenRequests,
                                 onAdmin: { path, body in holder.sim?.admin(path, body, requests: requests) }, requests: requests)
        let server = HTTPServer(handler: handler,
                                auth: .init(tokens: tokens, allowAnonymous: options.allowAnonymous ?? !options.tls,
                                            serviceAccounts: tokenRequests),
                                tls: context)
        let sim = KubeSim(options: options, store: store, faults: faults, ca: ca, adminToken: adminToken, server: server,
                          persistence: persistence)
        holder.sim = sim
        let port = try await server.start(host: options.host, port: options.port)
        sim.boundPort.withLockedValue { $0 = port }
        persistence?.startFlushing()
        return sim
    }

    static func newToken() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    /// The admin token stored in `<directory>/admin-token` (0600), made on first use.
    static func persistentToken(directory: String) throws -> String {
        let path = directory + "/admin-token"
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if token.count >= 32, token.allSatisfy(\.isHexDigit) { return token }
        }
        let token = newToken()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return token
    }

    /// Stops serving (open connections are closed) and saves state if it has a data dir.
    public func stop() async {
        await server.stop()
        persistence?.flush()
    }

    /// Fault injection: drops every connection and serves again on the same
    /// port with the state kept, like an API server restart.
    public func restart() async throws {
        await server.stop()
        store.cutAllWatches()
        persistence?.flush()
        let p = try await server.start(host: options.host, port: port)
        boundPort.withLockedValue { $0 = p }
    }

    /// Writes a kubeconfig that kubectl and clients use unchanged. The user
    /// authenticates with the admin bearer token, or a client certificate.
    @discardableResult
    public func writeKubeconfig(to path: String, clientCertificate: Bool = false) throws -> String {
        var user: [String: JSON] = [:]
        if clientCertificate, let ca {
            let c = try ca.issueClient(user: "kubesim-admin", group: "system:masters")
            user["client-certificate-data"] = .string(Data(c.certificatePEM.utf8).base64EncodedString())
            user["client-key-data"] = .string(Data(c.keyPEM.utf8).base64EncodedString())
        } else {
            user["token"] = .string(adminToken)
        }
        var cluster: [String: JSON] = ["server": .string(url)]
        if let ca { cluster["certificate-authority-data"] = .string(Data(ca.certificatePEM.utf8).base64EncodedString()) }
        let config: JSON = [
            "apiVersion": "v1", "kind": "Config", "current-context": "kubesim", "preferences": [:],
            "clusters": [["name": "kubesim", "cluster": .object(cluster)]],
            "users": [["name": "kubesim-admin", "user": .object(user)]],
            "contexts": [["name": "kubesim", "context": ["cluster": "kubesim", "user": "kubesim-admin", "namespace": "default"]]],
        ]
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Data(config.serialized()).write(to: URL(fileURLWithPath: path), options: .atomic)
        chmod(path, 0o600)
        return path
    }

    /// Admin endpoints under /kubesim/: faults, clearing them, cutting watches, history size.
    func admin(_ path: String, _ body: JSON, requests: RequestCounter) -> APIReply? {
        switch path {
        case "faults":
            faults.add(FaultInjector.Rule(json: body))
            return .json(200, ["added": body])
        case "faults/clear":
            faults.clear()
            return .json(200, ["cleared": true])
        case "cut-watches":
            let n = store.watcherCount
            store.cutAllWatches()
            return .json(200, ["cut": .int(Int64(n))])
        case "history":
            if let n = body["size"]?.int { store.setHistoryCapacity(Int(n)) }
            return .json(200, ["size": .int(Int64(store.historyCapacity))])
        case "state":
            let counts = requests.snapshot
            return .json(200, ["resourceVersion": .string(String(store.currentResourceVersion)),
                               "watchers": .int(Int64(store.watcherCount)),
                               "requests": .object(counts.byMethod.mapValues { .int($0) }),
                               "writes": .object(counts.writes.mapValues { .int($0) })])
        default: return nil
        }
    }
}

/// Lets the API handler reach the server object made after it.
final class AdminHolder: @unchecked Sendable {
    private let lock = NIOLock()
    private weak var _sim: KubeSim?
    var sim: KubeSim? {
        get { lock.withLock { _sim } }
        set { lock.withLock { _sim = newValue } }
    }
}
