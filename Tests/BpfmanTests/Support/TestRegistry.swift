import Foundation
import TestHelpers

/// Debian's docker-registry (distribution 2.8) on 127.0.0.1, plain or with TLS
/// (a CA made for the test) and htpasswd auth. Stopped and removed on deinit.
final class TestRegistry: @unchecked Sendable {
    let dir: String
    let port: Int
    let tls: Bool
    let credentials: (user: String, password: String)?
    private var process: Process?

    var host: String { "127.0.0.1:\(port)" }
    var caFile: String { dir + "/ca.pem" }
    /// `--registry-auth` for the credentials.
    var authArgument: String? {
        credentials.map { Data("\($0.user):\($0.password)".utf8).base64EncodedString() }
    }

    init(tls: Bool = false, auth: Bool = false, reuse: TestRegistry? = nil) throws {
        self.tls = tls
        credentials = auth ? ("bpfman", "s3cret-\(Int.random(in: 1000...9999))") : nil
        dir = reuse?.dir ?? "/tmp/bpfman-registry-\(UUID().uuidString.prefix(8))"
        port = try reuse?.port ?? Self.freePort()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        var config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(dir)/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)

            """
        if tls {
            try Shell.sh("""
                set -e; cd \(dir)
                openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=bpfman test CA" 2>/dev/null
                openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
                printf "subjectAltName=IP:127.0.0.1\\n" > ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext 2>/dev/null
                """)
            config += "  tls:\n    certificate: \(dir)/server.pem\n    key: \(dir)/server.key\n"
        }
        if let c = credentials {
            try Shell.sh("htpasswd -Bbn \(c.user) \(c.password) > \(dir)/htpasswd")
            config += "auth:\n  htpasswd:\n    realm: bpfman-test\n    path: \(dir)/htpasswd\n"
        }
        try config.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        try start()
    }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        p.arguments = ["serve", dir + "/config.yml"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        try Self.waitForPort(port)
    }

    static func freePort() throws -> Int {
        let out = try Shell.sh("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'")
        guard let port = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Shell.ShellError(command: "free port", result: .init(status: 1, stdout: out, stderr: ""))
        }
        return port
    }

    static func waitForPort(_ port: Int) throws {
        for _ in 0..<100 {
            if (try? Shell.sh("python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", \(port)), 1)'")) != nil { return }
            usleep(100_000)
        }
        throw Shell.ShellError(command: "wait for 127.0.0.1:\(port)", result: .init(status: 1, stdout: "", stderr: "nothing listens"))
    }

    func stop() {
        if let p = process, p.isRunning { p.terminate(); p.waitUntilExit() }
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// hack/registry-proxy.py in front of a plain registry.
final class RegistryProxy: @unchecked Sendable {
    let process = Process()
    let port: Int
    var host: String { "127.0.0.1:\(port)" }

    init(upstream: TestRegistry, flags: [String]) throws {
        port = try TestRegistry.freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.root + "/hack/registry-proxy.py", "http://\(upstream.host)", "--port", "\(port)"] + flags
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try TestRegistry.waitForPort(port)
    }

    /// SIGKILL: children of the test runner may inherit an ignored SIGTERM.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
