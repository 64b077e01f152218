import CBpfShim
import Glibc

/// gzip streams through zlib (OCI layers are gzipped tars).
public enum Gzip {
    public enum Failure: Error, Equatable {
        /// The output would be larger than the limit.
        case tooLarge
        case invalidData
    }

    public static func decompress(_ data: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        let rc = data.withUnsafeBufferPointer { bpfman_gunzip($0.baseAddress, $0.count, limit, &out, &len) }
        if rc == -EFBIG { throw .tooLarge }
        guard rc == 0, let out else { throw .invalidData }
        defer { bpfman_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }

    public static func compress(_ data: [UInt8]) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        let rc = data.withUnsafeBufferPointer { bpfman_gzip($0.baseAddress, $0.count, &out, &len) }
        guard rc == 0, let out else { return [] }
        defer { bpfman_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }
}
