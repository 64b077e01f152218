import BpfKernel
import Bpfman
import Foundation
import Logging
import Testing
import TestHelpers

/// A private bpfman world for one test: its own bpffs mount and state
/// directory, the CLI pointed at them, and clean-up that unloads whatever is
/// left and unmounts.
final class Sandbox: @unchecked Sendable {
    let base: String
    let paths: BpfmanPaths

    init() throws {
        base = "/run/bpfman-test/\(UUID().uuidString.prefix(8))"
        paths = BpfmanPaths(bpffsRoot: base + "/fs", stateDir: base + "/db", dispatcherDir: TestPaths.bpfDirectory + "/dispatchers")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    }

    deinit {
        if let m = try? manager(), let entries = try? m.list() {
            for e in entries { try? m.unload(id: e.kernel.id) }
        }
        // Whatever else is mounted below the sandbox (CSI volumes a failed test
        // left published), topmost first, then its own bpffs.
        for m in Mounts.current().entries.reversed() where m.mountPoint.hasPrefix(base + "/") && m.mountPoint != paths.bpffsRoot {
            try? Mounts.unmount(m.mountPoint)
        }
        _ = try? Shell.run("/bin/umount", [paths.bpffsRoot])
        try? FileManager.default.removeItem(atPath: base)
    }

    var imageCache: String { base + "/images" }
    /// More environment for the CLI (registry CA, limits…).
    var extraEnv: [String: String] = [:]

    @discardableResult
    func cli(_ args: [String], env more: [String: String]) throws -> Shell.Result {
        try Shell.run(TestPaths.bpfman, args, env: env.merging(more) { $1 })
    }

    func manager() throws -> ProgramManager {
        var logger = Logger(label: "bpfman-test")
        logger.logLevel = .warning
        return ProgramManager(paths: paths, logger: logger)
    }

    var env: [String: String] {
        ["BPFMAN_BPFFS_ROOT": paths.bpffsRoot, "BPFMAN_STATE_DIR": paths.stateDir, "BPFMAN_DISPATCHER_DIR": paths.dispatcherDir, "BPFMAN_CONFIG": base + "/bpfman.toml",
         "BPFMAN_IMAGE_CACHE": imageCache] .merging(extraEnv) { $1 }
    }

    /// Runs the real `bpfman` binary against this sandbox.
    @discardableResult
    func cli(_ args: [String]) throws -> Shell.Result {
        try Shell.run(TestPaths.bpfman, args, env: env)
    }

    /// Runs `bpfman … -o json` and decodes the result.
    func cliJSON<T: Decodable>(_ type: T.Type, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        let r = try cli(args + ["--output", "json"])
        #expect(r.ok, "bpfman \(args.joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(r.stdout.utf8))
    }

    /// `bpfman load file … -o json` (options before the type, as upstream).
    func load(_ object: String, _ name: String, extra: [String] = [], _ type: [String]) throws -> ProgramEntry {
        try cliJSON(ProgramEntry.self, ["load", "file", "-p", object, "-n", name] + extra + type)
    }

    /// Reads a u64 counter from a map pinned in this program's map directory.
    func counter(_ entry: ProgramEntry, map: String, key: UInt32) throws -> UInt64 {
        try MapAccess.lookupU64(pin: "\(try #require(entry.record).mapPinPath)/\(map)", key: key)
    }

    /// Every pin under the bpffs root except the preload iterators, and the
    /// directories and test dispatchers that stay for the next program.
    func pins() -> [String] {
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: paths.bpffsRoot) else { return [] }
        let kept: Set = ["maps", "xdp", "tc-ingress", "tc-egress", "dispatcher-test", "dispatcher-test/xdp", "dispatcher-test/tc"]
        return e.compactMap { $0 as? String }.filter { !$0.hasSuffix(".debug") && !kept.contains($0) }.sorted()
    }

    func records() throws -> [ProgramRecord] { try ProgramStore(directory: paths.stateDir).records() }
}

/// Conditions for the tiers.
enum Tier {
    static var isRoot: Bool { getuid() == 0 }
    static var inVM: Bool { ProcessInfo.processInfo.environment["BPFMAN_VM_GUEST"] == "1" }
    /// Host-kernel tests: root, and not the guest (the guest runs only its tier).
    static var kernel: Bool { isRoot && !inVM }
}
