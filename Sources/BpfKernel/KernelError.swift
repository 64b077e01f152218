import Glibc

/// A failed kernel or libbpf operation: what was attempted, on what, the errno,
/// and what libbpf printed meanwhile (the verifier log among it).
public struct KernelError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32
    public let libbpfLog: String

    public init(_ operation: String, errno: Int32, libbpfLog: String = "") {
        self.operation = operation
        self.errno = errno < 0 ? -errno : errno
        self.libbpfLog = libbpfLog
    }

    /// The errno's text, e.g. "Operation not permitted".
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        "\(operation): \(reason) (errno \(errno))"
    }

    /// The last lines of what libbpf printed, for error messages: without
    /// its progress lines ("created successfully, fd=8"), whose numbers
    /// change from one try to the next and say nothing about the failure.
    public func logTail(lines: Int = 20) -> String {
        let all = libbpfLog.split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.contains("created successfully") }
        return all.suffix(lines).joined(separator: "\n")
    }
}
