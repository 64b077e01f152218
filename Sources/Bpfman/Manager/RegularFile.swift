import BpfKernel
import Glibc

/// Reads the first bytes of a file a request names, only if it is a regular
/// file, and without ever blocking: a FIFO, socket or device named as
/// bytecode or a uprobe target would otherwise hang `open` (under the store
/// lock, stalling every client) or feed libbpf something that is no object.
enum RegularFile {
    /// The first `count` bytes of `path` (following symlinks), or an error
    /// naming `what` and `path` and why it is unusable.
    static func head(_ path: String, what: String, count: Int = 4) throws -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else { throw failure(path, what: what, errno: errno) }
        if let kind = kind(st.st_mode) { throw BpfmanError.invalid("\(what) \(path) is \(kind), not a regular file") }
        // O_NONBLOCK: should the path be swapped for a FIFO after the stat, the open still returns.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, what: what, errno: errno) }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, kind(st.st_mode) == nil else {
            throw BpfmanError.invalid("\(what) \(path) changed into \(kind(st.st_mode) ?? "something else") while being opened")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        guard n >= 0 else { throw failure(path, what: what, errno: errno) }
        return Array(bytes.prefix(n))
    }

    static let elfMagic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]

    /// What a file of this mode is when it is not a regular file.
    static func kind(_ mode: mode_t) -> String? {
        mode & S_IFMT == S_IFREG ? nil : FileKind.describe(mode)
    }

    static func failure(_ path: String, what: String, errno e: Int32) -> BpfmanError {
        switch e {
        case ENOENT: BpfmanError.notFound("\(what) \(path) does not exist")
        case ELOOP: BpfmanError.invalid("\(what) \(path) is a symbolic link loop (too many levels of symbolic links)")
        case ENOTDIR: BpfmanError.notFound("\(what) \(path) does not exist (a component of the path is not a directory)")
        case EACCES, EPERM: BpfmanError(.permissionDenied, "\(what) \(path) cannot be read: \(String(cString: strerror(e)))")
        case ENAMETOOLONG: BpfmanError.invalid("\(what) path is too long (\(path.utf8.count) bytes)")
        default: BpfmanError(.invalidArgument, "\(what) \(path) cannot be read: \(String(cString: strerror(e)))")
        }
    }
}
