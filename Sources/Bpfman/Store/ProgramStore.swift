import FoundationEssentials
import Glibc

/// Program records on disk, one JSON file per program, written atomically
/// (`AtomicFile`), so a crash never leaves half a record.
/// Writers in any process serialise through `withLock`.
///
/// A file that cannot be read (damaged by hand, say) does not stop the
/// others: `records` leaves it out, `unreadable` names it, and the repair
/// pass moves it to `<state>/quarantine` with the reason beside it.
public struct ProgramStore: Sendable {
    public let directory: String
    var programsDirectory: String { directory + "/programs" }
    private var lockPath: String { directory + "/lock" }
    var quarantineDirectory: String { directory + "/quarantine" }
    private let cache = RecordCache<ProgramRecord>()
    private var files: RecordFiles<ProgramRecord> {
        RecordFiles(directory: programsDirectory, quarantineDirectory: quarantineDirectory, cache: cache)
    }

    public init(directory: String) {
        self.directory = directory
    }

    private func prepare() throws {
        try FileManager.default.createDirectory(atPath: programsDirectory, withIntermediateDirectories: true)
    }

    /// Runs `body` holding the store's exclusive lock (flock, so it excludes
    /// other processes and other threads that open the lock themselves).
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try prepare()
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw BpfmanError(.internal, "cannot open the store lock \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw BpfmanError(.internal, "cannot lock the store \(lockPath): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    private func path(_ id: UInt32) -> String { "\(programsDirectory)/\(id).json" }

    /// The record of program `id`; nil when there is none. An unreadable
    /// record is an error naming the file.
    public func record(_ id: UInt32) throws -> ProgramRecord? {
        guard FileManager.default.fileExists(atPath: path(id)) else { return nil }
        return try files.read(path(id))
    }

    /// Every readable record, ordered by program id.
    public func records() throws -> [ProgramRecord] {
        files.scan().records.map(\.record).sorted { $0.id < $1.id }
    }

    /// Record files in the store that cannot be read, and the ones already set aside.
    public func corrupt() -> [CorruptRecord] {
        files.scan().unreadable + files.quarantined()
    }

    /// Moves every unreadable record out of the store; returns them with where they went.
    public func quarantineUnreadable() throws -> [CorruptRecord] {
        try files.scan().unreadable.map { try files.quarantine($0) }
    }

    public func save(_ record: ProgramRecord) throws {
        try prepare()
        try AtomicFile.write(try RecordCoding.encode(record), to: path(record.id), mode: 0o600, durable: false)
    }

    public func delete(_ id: UInt32) throws {
        if unlink(path(id)) != 0 && errno != ENOENT {
            throw BpfmanError(.internal, "cannot delete record \(path(id)): \(String(cString: strerror(errno)))")
        }
    }
}
