import FoundationEssentials
import Glibc

/// The tc filter claims, one JSON file per program in `<state>/claims`,
/// written atomically before the filter is made and removed after it is gone.
/// Used under the program store's lock.
struct ClaimStore: Sendable {
    let directory: String
    let quarantineDirectory: String

    init(stateDirectory: String) {
        directory = stateDirectory + "/claims"
        quarantineDirectory = stateDirectory + "/quarantine"
    }

    private var files: RecordFiles<TcFilterClaim> { RecordFiles(directory: directory, quarantineDirectory: quarantineDirectory) }
    private func path(_ id: UInt32) -> String { "\(directory)/\(id).json" }

    /// Every readable claim; unreadable ones are set aside (a claim says only
    /// where to look, so losing one loses nothing a record still has).
    func claims() throws -> (claims: [TcFilterClaim], setAside: [CorruptRecord]) {
        let scan = files.scan()
        return (scan.records.map(\.record), try scan.unreadable.map { try files.quarantine($0) })
    }

    func claim(_ id: UInt32) -> TcFilterClaim? {
        guard FileManager.default.fileExists(atPath: path(id)) else { return nil }
        return try? files.read(path(id))
    }

    func save(_ claim: TcFilterClaim) throws {
        try AtomicFile.write(try RecordCoding.encode(claim), to: path(claim.programID), mode: 0o600, durable: false)
    }

    func delete(_ id: UInt32) throws {
        if unlink(path(id)) != 0 && errno != ENOENT {
            throw BpfmanError(.internal, "cannot delete \(path(id)): \(String(cString: strerror(errno)))")
        }
    }
}
