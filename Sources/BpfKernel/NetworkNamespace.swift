import CBpfShim
import Glibc

/// Runs work inside another network namespace on the calling thread.
///
/// setns(2) changes only the calling thread, so `body` must be synchronous:
/// no suspension point may move it to another thread.
public enum NetworkNamespace {
    public static func run<T>(_ path: String?, _ body: () throws -> T) throws -> T {
        guard let path else { return try body() }
        let previous = bpfman_netns_enter(path)
        if previous < 0 { throw KernelError("enter network namespace \(path)", errno: previous) }
        defer { _ = bpfman_netns_restore(previous) }
        return try body()
    }

    /// Whether `path` is a namespace file (nsfs: /proc/PID/ns/net or a bind
    /// mount of one such as /var/run/netns/NAME); asked without opening it.
    public static func isNamespaceFile(_ path: String) -> Bool {
        bpfman_is_nsfs(path) == 1
    }

    /// Identifies a namespace by its inode (0 when the path does not exist).
    public static func inode(_ path: String?) -> UInt64 {
        bpfman_netns_inode(path ?? "/proc/self/ns/net")
    }

    /// The interface index of `name` in the current thread's namespace, or nil.
    public static func interfaceIndex(_ name: String) -> UInt32? {
        guard !name.isEmpty, name.utf8.count < 16 else { return nil }
        let index = if_nametoindex(name)
        return index == 0 ? nil : index
    }
}
