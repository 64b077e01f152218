import BpfKernel
import FoundationEssentials
import Glibc

/// A directory of JSON records, one per file, where a file that cannot be
/// read is set aside instead of failing every reader: `scan` returns the
/// readable records and the unreadable files separately, and `quarantine`
/// moves an unreadable file out of the directory, keeping it for a person.
struct RecordFiles<Record: Codable & Sendable> {
    let directory: String
    /// Where unreadable files go, under a name that says where they came from.
    let quarantineDirectory: String
    /// Records already decoded, reused while their file is unchanged.
    var cache: RecordCache<Record>? = nil

    /// The records that decode, by file name, and the files that do not.
    func scan() -> (records: [(name: String, record: Record)], unreadable: [CorruptRecord]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var records: [(String, Record)] = []
        var unreadable: [CorruptRecord] = []
        var seen = Set<String>()
        defer { cache?.keepOnly(seen) }
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = "\(directory)/\(name)"
            seen.insert(path)
            do {
                records.append((name, try read(path)))
            } catch let e as BpfmanError {
                unreadable.append(CorruptRecord(file: path, reason: e.message))
            } catch {
                unreadable.append(CorruptRecord(file: path, reason: "\(error)"))
            }
        }
        return (records, unreadable)
    }

    /// The record at `path`, read without following a symlink or blocking on
    /// a special file, and no bigger than any record bpfman writes.
    func read(_ path: String) throws -> Record {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw BpfmanError(.internal, "record \(path) cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw BpfmanError(.internal, "record \(path) is not a regular file")
        }
        guard st.st_size <= Self.sizeLimit else {
            throw BpfmanError(.internal, "record \(path) is \(st.st_size) bytes, more than any record can be (\(Self.sizeLimit))")
        }
        let data = try Self.readAll(fd, path: path)
        if let known = cache?.record(path, bytes: data) { return known }
        let record = try RecordCoding.decode(Record.self, data, at: path)
        cache?.keep(path, bytes: data, record)
        return record
    }

    /// The rest of an open file.
    static func readAll(_ fd: Int32, path: String) throws -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return data }
            if n < 0 {
                if errno == EINTR { continue }
                throw BpfmanError(.internal, "record \(path) cannot be read: \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: chunk[..<n])
        }
    }

    /// No record bpfman writes comes near this; a bigger file is not one of ours.
    static var sizeLimit: Int { 16 << 20 }

    /// Moves an unreadable file into the quarantine directory as
    /// `<directory name>-<file name>`; returns it with where it went.
    func quarantine(_ bad: CorruptRecord) throws -> CorruptRecord {
        try FileManager.default.createDirectory(atPath: quarantineDirectory, withIntermediateDirectories: true)
        let base = PlainText.lastPathComponent(directory) + "-" + PlainText.lastPathComponent(bad.file)
        var target = "\(quarantineDirectory)/\(base)"
        var n = 1
        while FileManager.default.fileExists(atPath: target) {
            n += 1
            target = "\(quarantineDirectory)/\(base).\(n)"
        }
        guard rename(bad.file, target) == 0 else {
            throw BpfmanError(.internal, "cannot move unreadable record \(bad.file) to \(target): \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(Array(bad.reason.utf8) + [10], to: target + ".why", mode: 0o600, durable: false)
        var moved = bad
        moved.movedTo = target
        return moved
    }

    /// The files set aside so far, with the reason saved beside each.
    func quarantined() -> [CorruptRecord] {
        let prefix = PlainText.lastPathComponent(directory) + "-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: quarantineDirectory) else { return [] }
        return names.sorted().filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".why") }.map { name in
            let path = "\(quarantineDirectory)/\(name)"
            let why = (try? String(contentsOfFile: path + ".why", encoding: .utf8)).map { PlainText.trimmed($0) } ?? "unreadable"
            let original = "\(directory)/" + String(name.dropFirst(prefix.count)).split(separator: ".").prefix(2).joined(separator: ".")
            return CorruptRecord(file: original, reason: why, movedTo: path)
        }
    }
}

/// A record file bpfman could not read, and where it was put aside.
public struct CorruptRecord: Codable, Equatable, Sendable {
    /// Where the file was (or is, until it is set aside).
    public var file: String
    public var reason: String
    public var movedTo: String?

    /// The program id its name gives (`<id>.json`), if it has one.
    public var programID: UInt32? {
        UInt32(PlainText.lastPathComponent(file).split(separator: ".").first ?? "")
    }
}
