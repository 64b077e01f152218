import FoundationEssentials

/// `/etc/bpfman/bpfman.toml`, the parts the core uses: per-interface XDP
/// modes, registries, and image signing. A missing file gives the
/// defaults; unknown keys are ignored.
public struct BpfmanConfig: Sendable, Equatable {
    public var xdpModes: [String: XdpMode] = [:]
    /// `[registry] insecure = ["host:port", …]`: registries reached over plain HTTP.
    public var insecureRegistries: [String] = []
    /// `[registry] ca_file = "…"`: a CA bundle to trust for registries.
    public var registryCAFile: String?
    /// `[signing]` and its `[[signing.policy]]` tables.
    public var signing = SigningSettings()
    /// The file it was read from, for error messages.
    public var path: String?

    public static let defaultPath = "/etc/bpfman/bpfman.toml"

    public init(xdpModes: [String: XdpMode] = [:]) { self.xdpModes = xdpModes }

    /// Upstream's code default is drv (falling back to skb when refused).
    public func xdpMode(for iface: String) -> XdpMode { xdpModes[iface] ?? .drv }

    public static func load(path: String = defaultPath) -> BpfmanConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return BpfmanConfig() }
        var config = parse(text)
        config.path = path
        return config
    }

    public static func parse(_ text: String) -> BpfmanConfig {
        var config = BpfmanConfig()
        var table = ""
        for (number, line) in TomlLines.read(text) {
            switch line {
            case .table(let name):
                table = name
            case .arrayTable(let name):
                table = name
                if name == "signing.policy" {
                    var entry = SigningSettings.Entry()
                    entry.line = number
                    config.signing.policies.append(entry)
                }
            case .pair(let key, let value):
                config.apply(table: table, key: key, value: value)
            }
        }
        return config
    }

    private mutating func apply(table: String, key: String, value: TomlLines.Value) {
        switch table {
        case "registry":
            if key == "insecure" { insecureRegistries = value.strings ?? [] }
            if key == "ca_file" { registryCAFile = value.string }
        case "signing":
            switch (key, value) {
            case ("verify_enabled", .bool(let b)): signing.verifyEnabled = b
            case ("allow_unsigned", .bool(let b)): signing.allowUnsigned = b
            case ("mode", .string(let s)): signing.mode = s
            case ("trusted_root", .string(let s)): signing.trustedRoot = s
            case ("timeout_seconds", .int(let n)): signing.timeoutSeconds = n
            default: break
            }
        case "signing.policy":
            guard !signing.policies.isEmpty else { return }
            let i = signing.policies.count - 1
            switch key {
            case "images": signing.policies[i].images = value.string ?? signing.policies[i].images
            case "mode": signing.policies[i].mode = value.string
            case "keys": signing.policies[i].keys = value.strings ?? []
            case "subjects": signing.policies[i].subjects = value.strings ?? []
            case "subject_regexps": signing.policies[i].subjectRegexps = value.strings ?? []
            case "issuers": signing.policies[i].issuers = value.strings ?? []
            case "issuer_regexps": signing.policies[i].issuerRegexps = value.strings ?? []
            default: break
            }
        default:
            guard table.hasPrefix("interfaces."), key == "xdp_mode", let mode = value.string.flatMap(XdpMode.init(rawValue:)) else { return }
            xdpModes[String(table.dropFirst("interfaces.".count))] = mode
        }
    }
}
