import Foundation

/// Everything needed to reach one API server as one user: the result of
/// reading a kubeconfig or the in-cluster service account.
public struct ClusterConfig: Sendable {
    public var server: String
    /// PEM of the CA(s) to trust; nil means the system roots.
    public var caPEM: String?
    public var insecureSkipTLSVerify = false
    /// Setting it by hand drops `reload`: a token given is the one to use.
    public var token: String? { didSet { reload = nil } }
    /// Re-read before each request batch, so a rotated token is picked up.
    public var tokenFile: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// A credential plugin (`users[].user.exec`) run to get a token.
    public var exec: ExecCredential?
    public var namespace = "default"
    /// Client-side rate limit (client-go's QPS and burst); a QPS of 0 or less
    /// means none, as controller-runtime now defaults to: the API server's
    /// priority and fairness does the limiting.
    public var qps: Double = 0
    public var burst = 0
    /// Reads the same source again (the kubeconfig files and context this
    /// config came from): a client calls it after a 401.
    public var reload: (@Sendable () throws -> ClusterConfig)?

    public init(server: String) { self.server = server }

    /// client-go's `exec` credential plugin settings.
    public struct ExecCredential: Sendable {
        public var command: String
        public var args: [String]
        public var env: [String: String]
        public var apiVersion: String
    }

    /// The bearer token for the next request, if this config uses one.
    func currentToken() throws -> String? {
        if let tokenFile {
            guard let d = FileManager.default.contents(atPath: tokenFile) else {
                throw KubeError.transport("cannot read the token file \(tokenFile)")
            }
            return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let exec { return try ExecPlugin.token(exec) }
        return token
    }
}
