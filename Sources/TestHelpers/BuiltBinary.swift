import Foundation

/// Finds an executable product built beside the running test bundle.
public enum BuiltBinary {
    public static func path(_ name: String) -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // …/debug/bpfman-swiftPackageTests.xctest or …/debug/<bundle>/…
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/" + name
    }
}

/// Finds a command on PATH, the way a shell would.
public enum Which {
    public static func path(_ name: String) -> String {
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin").split(separator: ":") {
            let c = "\(d)/\(name)"
            if FileManager.default.isExecutableFile(atPath: c) { return c }
        }
        return "/usr/bin/" + name
    }
}
