import CLibbpf
import FoundationEssentials
import Glibc

/// bpffs pins: create, open and remove pinned programs, maps and links.
public enum Pins {
    public static func pin(fd: Int32, at path: String) throws {
        try LibbpfLog.check("pin \(path)") { bpf_obj_pin(fd, path) < 0 ? -Glibc.errno : 0 }
    }

    /// Opens a pinned object, returning its descriptor.
    public static func open(_ path: String) throws -> FileDescriptor {
        let fd = bpf_obj_get(path)
        if fd < 0 { throw KernelError("open pin \(path)", errno: Glibc.errno) }
        return FileDescriptor(raw: fd)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Removes a pin; a missing pin is not an error.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && Glibc.errno != ENOENT {
            throw KernelError("remove pin \(path)", errno: Glibc.errno)
        }
    }

    /// Removes a directory of pins and the directory itself.
    public static func removeDirectory(_ path: String) throws {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for entry in entries { try remove(path + "/" + entry) }
        if rmdir(path) != 0 && Glibc.errno != ENOENT {
            throw KernelError("remove directory \(path)", errno: Glibc.errno)
        }
    }
}
