import Glibc

/// An owned file descriptor, closed when the last reference goes.
///
/// Use the number only inside `withRaw`: Swift may release an object right
/// after its last use, which would close the descriptor under the caller.
public final class FileDescriptor: @unchecked Sendable {
    private let raw: Int32

    public init(raw: Int32) { self.raw = raw }

    public func withRaw<T>(_ body: (Int32) throws -> T) rethrows -> T {
        try withExtendedLifetime(self) { try body(raw) }
    }

    deinit { close(raw) }
}
