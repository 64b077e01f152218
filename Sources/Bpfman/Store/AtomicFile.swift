import BpfKernel
import FoundationEssentials
import Glibc

/// Whole-file writes that a crash cannot leave half done: a temporary file
/// (named with a leading dot, so listings skip it), renamed over the target.
/// Used for program records and for the image cache.
///
/// `durable` adds fsync of the file and its directory, so the write also
/// outlives a power loss: for what must outlive a reboot (the image cache).
/// bpfman's records describe pins, links and filters that a reboot clears,
/// so they are written without (upstream keeps them on tmpfs, /run/bpfman);
/// a process that dies after the rename has still written the whole file.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, durable: Bool) throws {
        let dir = PlainText.deletingLastPathComponent(path)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temp = "\(dir)/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw BpfmanError(.internal, "cannot write \(temp): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = !durable || fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw BpfmanError(.internal, "cannot write \(path): \(reason)")
        }
        if durable { syncDirectory(dir) }
    }

    /// Removes the temporary files that writers killed mid-write left in
    /// `dir`; returns their names. Only where no writer can be at work (under
    /// the lock that every writer of `dir` holds).
    public static func removeLeftovers(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasPrefix(".tmp-") && unlink("\(dir)/\($0)") == 0 }
    }

    /// Makes a rename in `dir` durable.
    private static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
