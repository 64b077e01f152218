import Crypto

/// OCI content digests (`sha256:<hex>`).
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> String {
        "sha256:" + hexString(SHA256.hash(data: bytes))
    }

    /// Lower-case hex of some bytes (a hash, a log id).
    public static func hexString<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        bytes.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Throws unless `bytes` hash to `expected`.
    public static func verify(_ bytes: [UInt8], _ expected: String, what: String) throws {
        let got = sha256(bytes)
        guard got == expected else { throw ImageError.digestMismatch(what, expected: expected, got: got) }
    }

    /// The hex part, for file names; nil unless it is a well-formed sha256 digest.
    public static func hex(_ digest: String) -> String? {
        guard digest.hasPrefix("sha256:"), digest.count == 71 else { return nil }
        let h = String(digest.dropFirst(7))
        return h.allSatisfy(\.isHexDigit) ? h : nil
    }
}
