import Foundation

/// How to reach registries: which speak plain HTTP, which CA to trust, limits.
public struct RegistrySettings: Sendable, Equatable {
    /// Hosts (with port) reached over plain HTTP. Local registries
    /// (`localhost`, 127.x) are tried over plain HTTP first and over HTTPS when
    /// they answer that they speak TLS (as a registry does on a plain request).
    public var insecureRegistries: [String]
    /// A PEM CA bundle to trust besides the system's.
    public var caFile: String?
    /// The largest manifest, config or (compressed or not) layer accepted.
    public var maxBlobBytes: Int
    public var requestTimeout: Duration

    public init(insecureRegistries: [String] = [], caFile: String? = nil, maxBlobBytes: Int = 64 << 20,
                requestTimeout: Duration = .seconds(60)) {
        self.insecureRegistries = insecureRegistries
        self.caFile = caFile
        self.maxBlobBytes = maxBlobBytes
        self.requestTimeout = requestTimeout
    }

    /// From the environment: BPFMAN_INSECURE_REGISTRIES (comma-separated),
    /// BPFMAN_REGISTRY_CA, BPFMAN_MAX_LAYER_BYTES.
    public static func fromEnvironment(_ env: [String: String]) -> RegistrySettings {
        var s = RegistrySettings()
        if let list = env["BPFMAN_INSECURE_REGISTRIES"] {
            s.insecureRegistries = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        s.caFile = env["BPFMAN_REGISTRY_CA"]
        if let max = env["BPFMAN_MAX_LAYER_BYTES"].flatMap(Int.init) { s.maxBlobBytes = max }
        return s
    }

    func isLocal(_ host: String) -> Bool {
        host.hasPrefix("localhost") || host.hasPrefix("127.") || host.hasPrefix("[::1]")
    }
}

/// Registry credentials.
public struct RegistryAuth: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// From the CLI's `--registry-auth`: base64 of `user:password`.
    public init(base64 text: String) throws {
        guard let data = Data(base64Encoded: text), let s = String(data: data, encoding: .utf8),
              let colon = s.firstIndex(of: ":"), colon != s.startIndex else {
            throw ImageError.invalidReference("--registry-auth", "expected base64 of user:password")
        }
        username = String(s[..<colon])
        password = String(s[s.index(after: colon)...])
    }

    var basicHeader: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
