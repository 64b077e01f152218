import Bpfman
import Foundation
import Glibc

/// The local image store: content-addressed blobs (`blobs/sha256/<hex>`),
/// one file per reference (`refs/…`) naming the manifest and the extracted
/// bytecode. Every file is written whole (temporary file, fsync, rename), and
/// a reference is written last, so a crash never leaves an entry that passes
/// as good; reads re-check digests.
public struct ImageCache: Sendable {
    public let root: String

    public static let defaultRoot = "/var/lib/bpfman/images"

    public init(root: String) { self.root = root }

    /// What a reference resolved to when it was pulled.
    public struct Entry: Codable, Sendable, Equatable {
        public var reference: String
        public var manifestDigest: String
        public var layerDigest: String
        public var bytecodeDigest: String
        public var programs: [String: String]
        public var maps: [String: String]
        /// Who may use it from the cache; nil in entries written before it was recorded.
        public var access: ImageAccess?
    }

    /// The key under which credentials for `registry` are remembered: a
    /// SHA-256 of the cache's own random salt (`<root>/salt`, readable by
    /// root only), the registry and the credentials. It says which
    /// credentials were accepted and cannot be turned back into them.
    public func credentialKey(_ auth: RegistryAuth, registry: String) throws -> String {
        Digest.sha256(try salt() + Array("\0\(registry)\0\(auth.username)\0\(auth.password)".utf8))
    }

    /// The cache's salt, made on first use.
    private func salt() throws -> [UInt8] {
        let path = root + "/salt"
        if let data = FileManager.default.contents(atPath: path), data.count == 32 { return [UInt8](data) }
        var rng = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        do { try AtomicFile.write(fresh, to: path, mode: 0o600, durable: true) } catch let e as BpfmanError { throw ImageError.cacheCorrupt(e.message) }
        return fresh
    }

    func blobPath(_ digest: String) throws -> String {
        guard let hex = Digest.hex(digest) else { throw ImageError.cacheCorrupt("bad digest \(digest)") }
        return "\(root)/blobs/sha256/\(hex)"
    }

    func refPath(_ ref: ImageReference) -> String {
        let safe = "\(ref.registry)/\(ref.repository)/\(ref.reference)".map { c -> Character in
            c.isLetter || c.isNumber || c == "." || c == "-" || c == "_" ? c : "_"
        }
        return "\(root)/refs/\(String(safe)).json"
    }

    public func hasBlob(_ digest: String) -> Bool {
        (try? blobPath(digest)).map { FileManager.default.fileExists(atPath: $0) } ?? false
    }

    /// Stores a blob whose digest was checked by the caller.
    public func put(blob: [UInt8], digest: String) throws {
        try Self.writeAtomically(blob, to: try blobPath(digest))
    }

    /// A blob, re-checked against its digest.
    public func blob(_ digest: String) throws -> [UInt8] {
        let path = try blobPath(digest)
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageError.cacheCorrupt("blob \(digest) is missing") }
        let bytes = [UInt8](data)
        guard Digest.sha256(bytes) == digest else {
            try? FileManager.default.removeItem(atPath: path)
            throw ImageError.cacheCorrupt("blob \(digest) does not match its digest (removed)")
        }
        return bytes
    }

    public func entry(_ ref: ImageReference) -> Entry? {
        guard let data = FileManager.default.contents(atPath: refPath(ref)) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    public func put(entry: Entry, for ref: ImageReference) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.writeAtomically([UInt8](try encoder.encode(entry)), to: refPath(ref))
    }

    /// Every reference file, for tests and listing.
    public func referenceFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: root + "/refs"))?.filter { !$0.hasPrefix(".") }.sorted() ?? []
    }

    /// `AtomicFile.write`, failures reported as a cache problem.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do { try AtomicFile.write(bytes, to: path, mode: 0o644, durable: true) } catch let e as BpfmanError {
            throw ImageError.cacheCorrupt(e.message)
        }
    }
}
