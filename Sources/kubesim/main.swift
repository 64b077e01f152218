import ArgumentParser
import Foundation
import KubeSim

/// `kubesim`: an in-process Kubernetes API server for tests and local runs.
@main
struct KubeSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubesim",
        abstract: "A small Kubernetes API server for tests and `make run-local` (not for production).")

    @Option(help: "Address to listen on, host:port (port 0 picks a free one).")
    var listen = "127.0.0.1:6443"

    @Option(help: "Write a kubeconfig for kubectl here.")
    var kubeconfig: String?

    @Flag(help: "Put a client certificate in the kubeconfig instead of the bearer token.")
    var clientCertificate = false

    @Option(help: "Keep state in this directory across restarts.")
    var dataDir: String?

    @Option(help: "Directory with ca.crt and ca.key to serve from (made if missing; default <data-dir>/pki).")
    var certDir: String?

    @Flag(help: "Serve plain HTTP without authentication instead of HTTPS.")
    var insecureHTTP = false

    @Flag(help: "Also serve OpenShift's SecurityContextConstraints and route.openshift.io.")
    var openshift = false

    @Option(help: "Watch events kept for resuming; older resourceVersions get 410 Gone.")
    var historySize = 10_000

    @Option(help: "Seconds between watch bookmarks.")
    var bookmarkSeconds = 60

    @Option(help: "RBAC: authorize every user but the admin against the stored Roles and bindings; AlwaysAllow: allow everyone everything (kube-apiserver's flag of the same name).")
    var authorizationMode = "RBAC"

    @Option(help: "Append each distinct authorization (user, verb, group, resource, granting rule) to this file (default $KUBESIM_AUTHZ_LOG).")
    var authorizationLog: String?

    func run() async throws {
        var o = KubeSim.Options()
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else {
            throw ValidationError("--listen must be host:port, got \(listen)")
        }
        o.host = String(parts[0])
        o.port = port
        o.tls = !insecureHTTP
        o.openShift = openshift
        o.dataDir = dataDir
        o.caDirectory = certDir
        o.historySize = historySize
        o.bookmarkInterval = .seconds(bookmarkSeconds)
        switch authorizationMode {
        case "RBAC": o.enforceRBAC = true
        case "AlwaysAllow": o.enforceRBAC = false
        default: throw ValidationError("--authorization-mode must be RBAC or AlwaysAllow, got \(authorizationMode)")
        }
        if let authorizationLog { o.authorizationLog = authorizationLog }
        let sim = try await KubeSim.start(o)
        if let kubeconfig { try sim.writeKubeconfig(to: kubeconfig, clientCertificate: clientCertificate) }
        print("kubesim serving on \(sim.url)" + (kubeconfig.map { "; kubeconfig: \($0)" } ?? ""))
        fflush(nil)
        let signals = AsyncStream<Int32> { c in
            let sources = [SIGTERM, SIGINT].map { s in
                signal(s, SIG_IGN)
                let src = DispatchSource.makeSignalSource(signal: s)
                src.setEventHandler { c.yield(s) }
                src.resume()
                return src
            }
            nonisolated(unsafe) let keep = sources
            c.onTermination = { _ in keep.forEach { $0.cancel() } }
        }
        for await _ in signals { break }
        await sim.stop()
        print("kubesim stopped")
    }
}
