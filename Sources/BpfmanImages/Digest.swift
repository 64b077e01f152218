import BpfKernel
import Crypto

/// OCI content digests (`sha256:<hex>`).
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> String {
        "sha256:" + Hex.lower(SHA256.hash(data: bytes))
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
