import Foundation

/// Runs a kubeconfig `exec` credential plugin and reads the token from the
/// ExecCredential it prints.
enum ExecPlugin {
    static func token(_ e: ClusterConfig.ExecCredential) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: e.command.hasPrefix("/") ? e.command : "/usr/bin/env")
        p.arguments = e.command.hasPrefix("/") ? e.args : [e.command] + e.args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in e.env { env[k] = v }
        env["KUBERNETES_EXEC_INFO"] = #"{"apiVersion":"\#(e.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw KubeError.transport("exec credential plugin \(e.command) cannot run: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        struct Cred: Decodable { struct S: Decodable { var token: String? }; var status: S? }
        guard p.terminationStatus == 0, let token = (try? JSONDecoder().decode(Cred.self, from: data))?.status?.token else {
            throw KubeError.transport("exec credential plugin \(e.command) gave no token (exit \(p.terminationStatus))")
        }
        return token
    }
}
