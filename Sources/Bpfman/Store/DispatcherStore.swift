import FoundationEssentials
import BpfKernel
import Glibc

/// Dispatcher records, one JSON file per hook in `<state>/dispatchers`,
/// written atomically. Used under the program store's lock.
public struct DispatcherStore: Sendable {
    public let directory: String

    public init(stateDirectory: String) { directory = stateDirectory + "/dispatchers" }

    func path(_ r: DispatcherRecord) -> String { "\(directory)/\(r.fileName)" }

    /// The stored record for the hook `r` describes, if any.
    func stored(_ r: DispatcherRecord) throws -> DispatcherRecord? {
        guard let data = FileManager.default.contents(atPath: path(r)) else { return nil }
        return try RecordCoding.decode(DispatcherRecord.self, data, at: path(r))
    }

    public func records() throws -> [DispatcherRecord] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return try names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            let p = "\(directory)/\(name)"
            return try FileManager.default.contents(atPath: p).map { try RecordCoding.decode(DispatcherRecord.self, $0, at: p) }
        }
    }

    func save(_ r: DispatcherRecord) throws {
        try AtomicFile.write(try RecordCoding.encode(r), to: path(r), mode: 0o600, durable: false)
    }

    func delete(_ r: DispatcherRecord) throws {
        if unlink(path(r)) != 0 && errno != ENOENT {
            throw BpfmanError(.internal, "cannot delete \(path(r)): \(String(cString: strerror(errno)))")
        }
    }
}

/// The JSON form of bpfman's records on disk.
enum RecordCoding {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .isoSeconds
        return [UInt8](try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, at path: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .isoSeconds
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw BpfmanError(.internal, "record \(path) is unreadable (\(error)); remove it if what it describes is gone")
        }
    }
}
