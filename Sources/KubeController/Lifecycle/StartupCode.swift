#if canImport(Glibc)
import Glibc
#endif

/// Hands the executable's start-up code back to the kernel once a daemon is
/// up. The kernel maps an executable's text in 64 KiB windows around every
/// page a process touches; start-up (argument parsing, kubeconfig and TLS,
/// discovery, cache sync) touches code all over it, and those pages stay in
/// the process's resident set for as long as it runs, though most never run
/// again: 10 of an idle operator's 24 MiB. `MADV_DONTNEED` over the text
/// mapping only drops the page table entries: the code is the file's, read
/// only and never relocated, so what runs again comes back from the page
/// cache at the next touch (and counts again). Only the main executable's
/// read+execute mappings are touched; its data, relocated or written, never.
public enum StartupCode {
    /// The main executable's code mappings in a `/proc/self/maps` text:
    /// private, readable, executable, not writable, backed by `executable`.
    public static func textMappings(maps: String, executable: String) -> [Range<UInt>] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r-xp", fields[5].drop(while: { $0 == " " }) == executable[...] else { return nil }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let lo = UInt(bounds[0], radix: 16), let hi = UInt(bounds[1], radix: 16), lo < hi else { return nil }
            return lo..<hi
        }
    }

    /// Drops this process's mappings of its own code; returns how many bytes
    /// of mappings were covered (0 where /proc is not readable).
    @discardableResult
    public static func release() -> Int {
        guard let maps = read("/proc/self/maps"), let executable = executablePath() else { return 0 }
        var covered = 0
        for range in textMappings(maps: maps, executable: executable) {
            guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
            if madvise(start, Int(range.upperBound - range.lowerBound), MADV_DONTNEED) == 0 {
                covered += Int(range.upperBound - range.lowerBound)
            }
        }
        return covered
    }

    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
