import CBpfShim
import FoundationEssentials
import Glibc

/// Mounts bpffs and tracefs where bpfman needs them, and raises RLIMIT_MEMLOCK.
public enum Filesystems {
    /// Makes sure `path` is a bpffs mount (mounting a new instance if not).
    public static func ensureBpffs(at path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let rc = bpfman_ensure_mounted(path, "bpf", BPFMAN_BPF_FS_MAGIC)
        if rc < 0 { throw KernelError("mount bpffs at \(path)", errno: rc) }
    }

    /// The tracefs root, mounting it at /sys/kernel/tracing when nothing is there.
    public static func ensureTracefs() throws -> String {
        let path = "/sys/kernel/tracing"
        if access(path + "/events", F_OK) == 0 { return path }
        let rc = bpfman_ensure_mounted(path, "tracefs", BPFMAN_TRACEFS_MAGIC)
        if rc < 0 { throw KernelError("mount tracefs at \(path)", errno: rc) }
        return path
    }

    public static func raiseMemlockLimit() { _ = bpfman_raise_memlock() }
}
