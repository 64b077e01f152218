import FoundationEssentials
import Synchronization

/// Decoded records by file, reused while the file holds the same bytes. A
/// List or a Load reads every record of the store; reading a small file is
/// cheap, decoding its JSON is not, so with the cache a pass over N
/// programs decodes only what changed instead of N records N times. Keyed
/// by content, not by inode and time: a file replaced twice within one
/// clock tick, its inode reused, is still seen as new.
final class RecordCache<Record: Sendable>: Sendable {
    private let entries = Mutex<[String: (bytes: Data, record: Record)]>([:])

    func record(_ path: String, bytes: Data) -> Record? {
        entries.withLock { e in e[path].flatMap { $0.bytes == bytes ? $0.record : nil } }
    }

    func keep(_ path: String, bytes: Data, _ record: Record) {
        entries.withLock { $0[path] = (bytes, record) }
    }

    /// Forgets files that are gone (the scan saw all there are).
    func keepOnly(_ paths: Set<String>) {
        entries.withLock { e in e = e.filter { paths.contains($0.key) } }
    }
}
