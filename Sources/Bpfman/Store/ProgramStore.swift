import Foundation
import Glibc

/// Program records on disk, one JSON file per program, written atomically
/// (`AtomicFile`), so a crash never leaves half a record.
/// Writers in any process serialise through `withLock`.
public struct ProgramStore: Sendable {
    public let directory: String
    private var programsDirectory: String { directory + "/programs" }
    private var lockPath: String { directory + "/lock" }

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

    public func record(_ id: UInt32) throws -> ProgramRecord? {
        guard let data = FileManager.default.contents(atPath: path(id)) else { return nil }
        return try decode(data, at: path(id))
    }

    /// Every record, ordered by program id.
    public func records() throws -> [ProgramRecord] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: programsDirectory) else { return [] }
        var result: [ProgramRecord] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let p = programsDirectory + "/" + name
            guard let data = FileManager.default.contents(atPath: p) else { continue }
            result.append(try decode(data, at: p))
        }
        return result.sorted { $0.id < $1.id }
    }

    public func save(_ record: ProgramRecord) throws {
        try prepare()
        try AtomicFile.write(try RecordCoding.encode(record), to: path(record.id), mode: 0o600)
    }

    public func delete(_ id: UInt32) throws {
        if unlink(path(id)) != 0 && errno != ENOENT {
            throw BpfmanError(.internal, "cannot delete record \(path(id)): \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(programsDirectory)
    }

    private func decode(_ data: Data, at path: String) throws -> ProgramRecord {
        try RecordCoding.decode(ProgramRecord.self, data, at: path)
    }
}
