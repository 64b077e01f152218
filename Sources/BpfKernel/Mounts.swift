import CBpfShim
import FoundationEssentials
import Glibc

/// The mount calls the CSI plugin makes: a bpffs of its own per volume, made
/// read-only at the superblock, bind-mounted onto a pod's target directory.
public enum Mounts {
    /// Mounts a new bpffs instance at `path`; `source` names it in mountinfo,
    /// which is how a later call (or a restarted daemon) recognises it.
    /// `mode` is the root directory's.
    public static func mountBpffs(source: String, at path: String, mode: UInt32) throws {
        let rc = bpfman_mount_bpffs(source, path, mode)
        if rc < 0 { throw KernelError("mount bpffs \(source) at \(path)", errno: rc) }
    }

    /// Makes the filesystem mounted at `path` read-only for every mount of it.
    public static func remountReadOnly(_ path: String) throws {
        let rc = bpfman_remount_readonly(path)
        if rc < 0 { throw KernelError("remount \(path) read-only", errno: rc) }
    }

    public static func bind(_ from: String, onto to: String, readOnly: Bool) throws {
        let rc = bpfman_bind_mount(from, to, readOnly ? 1 : 0)
        if rc < 0 { throw KernelError("bind mount \(from) onto \(to)\(readOnly ? " read-only" : "")", errno: rc) }
    }

    /// Unmounts the mount at `path` (never following a symlink there).
    public static func unmount(_ path: String) throws {
        let rc = bpfman_unmount(path)
        if rc < 0 { throw KernelError("unmount \(path)", errno: rc) }
    }

    /// This process's mount table, read now.
    public static func current() -> MountTable {
        MountTable(mountinfo: (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
    }
}
