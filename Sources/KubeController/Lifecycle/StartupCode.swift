import Foundation

/// Hands the process's start-up code back to the kernel once a daemon is
/// up. The kernel maps a program's code in 64 KiB windows around every page
/// a process touches; start-up (argument parsing, kubeconfig and TLS,
/// discovery, cache sync) touches code all over the executable and its
/// libraries, and those pages stay in the process's resident set for as long
/// as it runs, though most never run again: 10 of an idle operator's 24 MiB.
/// `MADV_DONTNEED` over a code mapping only drops its page table entries:
/// the code is the file's, read-only, so what runs again comes back from the
/// page cache at the next touch (and counts again). Only private read+execute
/// mappings of files none of whose pages were ever written (a text
/// relocation would have made a private copy, which dropping would lose);
/// data, relocated or written, never.
public enum StartupCode {
    /// The code mappings in a `/proc/self/smaps` text: private, readable,
    /// executable, not writable, backed by a file, no anonymous (copied) page.
    public static func codeMappings(smaps: String) -> [Range<UInt>] {
        var out: [Range<UInt>] = []
        var candidate: Range<UInt>?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5,
               first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                candidate = nil
                let path = fields.count == 6 ? fields[5].drop(while: { $0 == " " }) : ""
                let bounds = first.split(separator: "-")
                guard fields[1] == "r-xp", path.hasPrefix("/"), bounds.count == 2,
                      let lo = UInt(bounds[0], radix: 16), let hi = UInt(bounds[1], radix: 16), lo < hi else { continue }
                candidate = lo..<hi
            } else if let range = candidate, fields.first == "Anonymous:" {
                if fields.count >= 2, fields[1] == "0" { out.append(range) }
                candidate = nil
            }
        }
        return out
    }

    /// Drops this process's mappings of its code; returns how many bytes of
    /// mappings were covered (0 where /proc is not readable).
    @discardableResult
    public static func release() -> Int {
        guard let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8) else { return 0 }
        var covered = 0
        for range in codeMappings(smaps: smaps) {
            guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
            if madvise(start, Int(range.upperBound - range.lowerBound), MADV_DONTNEED) == 0 {
                covered += Int(range.upperBound - range.lowerBound)
            }
        }
        return covered
    }
}
