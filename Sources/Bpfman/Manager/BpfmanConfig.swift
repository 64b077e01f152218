import Foundation

/// `/etc/bpfman/bpfman.toml`, the parts the core uses: per-interface XDP modes.
/// A missing file gives the defaults; unknown keys are ignored.
public struct BpfmanConfig: Sendable, Equatable {
    public var xdpModes: [String: XdpMode] = [:]
    /// `[registry] insecure = ["host:port", …]`: registries reached over plain HTTP.
    public var insecureRegistries: [String] = []
    /// `[registry] ca_file = "…"`: a CA bundle to trust for registries.
    public var registryCAFile: String?

    public static let defaultPath = "/etc/bpfman/bpfman.toml"

    public init(xdpModes: [String: XdpMode] = [:]) { self.xdpModes = xdpModes }

    /// Upstream's code default is drv (falling back to skb when refused).
    public func xdpMode(for iface: String) -> XdpMode { xdpModes[iface] ?? .drv }

    public static func load(path: String = defaultPath) -> BpfmanConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return BpfmanConfig() }
        return parse(text)
    }

    /// Reads `[interfaces.<name>]` sections' `xdp_mode`; the rest is ignored.
    public static func parse(_ text: String) -> BpfmanConfig {
        var config = BpfmanConfig()
        var iface: String?
        var section = ""
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                iface = name.hasPrefix("interfaces.") ? String(name.dropFirst("interfaces.".count)) : nil
                section = name
                continue
            }
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if section == "registry", kv.count == 2 {
                let unquote = { (s: String) in s.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
                if kv[0] == "insecure" {
                    config.insecureRegistries = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                        .split(separator: ",").map { unquote(String($0)) }.filter { !$0.isEmpty }
                } else if kv[0] == "ca_file" {
                    config.registryCAFile = unquote(kv[1])
                }
                continue
            }
            guard let iface, kv.count == 2, kv[0] == "xdp_mode" else { continue }
            if let mode = XdpMode(rawValue: kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) {
                config.xdpModes[iface] = mode
            }
        }
        return config
    }
}
