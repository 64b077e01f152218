import Foundation

/// Registry credentials from an image pull Secret (operator spec §3.6):
/// `kubernetes.io/dockerconfigjson` (`{"auths": {registry: entry}}`) or
/// `kubernetes.io/dockercfg` (`{registry: entry}`); an entry has `username`
/// and `password`, or `auth` = base64("user:pass"). The registry is the image
/// reference's domain; Docker Hub is `https://index.docker.io/v1/`.
public enum RegistryCredentials {
    public struct Credentials: Sendable, Equatable {
        public var username: String
        public var password: String
        public static let none = Credentials(username: "", password: "")
    }

    /// The registry key an image reference's credentials are filed under.
    public static func registry(of image: String) -> String {
        let first = image.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let isHost = image.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost")
        return !isHost || first == "docker.io" || first == "index.docker.io" ? "https://index.docker.io/v1/" : first
    }

    /// `type` and `data` are the Secret's (data values base64, as the API returns them).
    public static func from(type: String, data: [String: String], image: String) throws -> Credentials {
        func decoded(_ key: String) throws -> [String: Any] {
            guard let b64 = data[key], let raw = Data(base64Encoded: b64),
                  let json = try JSONSerialization.jsonObject(with: raw) as? [String: Any] else {
                throw AgentError("image pull secret of type \(type) has no readable \(key)")
            }
            return json
        }
        let auths: [String: Any]
        switch type {
        case "kubernetes.io/dockerconfigjson": auths = (try decoded(".dockerconfigjson"))["auths"] as? [String: Any] ?? [:]
        case "kubernetes.io/dockercfg": auths = try decoded(".dockercfg")
        default: throw AgentError("image pull secret type \(type) is not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg")
        }
        let key = registry(of: image)
        let entry = (auths[key] ?? auths.first { registry(of: $0.key + "/x") == key || $0.key.hasSuffix("//\(key)") }?.value) as? [String: Any]
        guard let entry else { return .none }
        if let user = entry["username"] as? String, let pass = entry["password"] as? String {
            return Credentials(username: user, password: pass)
        }
        if let auth = entry["auth"] as? String {
            var padded = auth
            while padded.count % 4 != 0 { padded += "=" }
            if let raw = Data(base64Encoded: padded), let text = String(data: raw, encoding: .utf8), let colon = text.firstIndex(of: ":") {
                return Credentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
            }
        }
        return .none
    }
}
