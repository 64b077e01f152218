import BpfKernel
import Foundation
import X509

/// A Sigstore trust root (`trusted_root.json`, media type
/// `application/vnd.dev.sigstore.trustedroot+json`): the Fulcio CA chains
/// keyless certificates must lead to and the Rekor log keys whose signed
/// entry timestamps date a signature. Read once; nothing is fetched.
public struct TrustedRoot: Sendable {
    /// One certificate authority: its chain, intermediate(s) first and the root last.
    public struct Authority: Sendable {
        public var chain: [Certificate]
        public var validity: Validity
        public var root: Certificate? { chain.last }
    }

    /// One transparency log key.
    public struct Log: Sendable {
        public var baseURL: String
        /// Lower-case hex of the log id (SHA-256 of the key for Rekor v1 logs).
        public var logID: String
        public var key: Certificate.PublicKey
        public var algorithm: Certificate.SignatureAlgorithm
        public var validity: Validity
    }

    /// A `validFor` window; no end means still valid.
    public struct Validity: Sendable {
        public var start: Date?
        public var end: Date?
        public func contains(_ t: Date) -> Bool { (start.map { t >= $0 } ?? true) && (end.map { t <= $0 } ?? true) }
    }

    public var authorities: [Authority]
    public var logs: [Log]
    /// SHA-256 of the file's bytes: part of the verdict cache key.
    public var fingerprint: String

    /// Parses `bytes` read from `source` (a path, or "the built-in public-good root").
    public init(json bytes: [UInt8], source: String) throws {
        let bad = { (why: String) in SigningError.badConfiguration("trusted root \(source) \(why)") }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(bytes)) } catch {
            throw bad("is not a Sigstore trusted_root.json: \(Self.jsonError(error))")
        }
        guard file.mediaType?.hasPrefix("application/vnd.dev.sigstore.trustedroot") ?? true else {
            throw bad("has media type \(file.mediaType ?? ""), not application/vnd.dev.sigstore.trustedroot+json")
        }
        authorities = try (file.certificateAuthorities ?? []).enumerated().map { i, ca in
            let chain = try (ca.certChain?.certificates ?? []).enumerated().map { j, c in
                guard let der = Data(base64Encoded: c.rawBytes) else {
                    throw bad("certificateAuthorities[\(i)].certChain.certificates[\(j)]: rawBytes is not base64")
                }
                do { return try Certificate(derEncoded: [UInt8](der)) } catch {
                    throw bad("certificateAuthorities[\(i)].certChain.certificates[\(j)]: not an X.509 certificate (\(error))")
                }
            }
            guard !chain.isEmpty else { throw bad("certificateAuthorities[\(i)] has no certificate") }
            return Authority(chain: chain, validity: try Self.validity(ca.validFor, "certificateAuthorities[\(i)]", bad))
        }
        logs = try (file.tlogs ?? []).enumerated().map { i, log in
            let place = "tlogs[\(i)]"
            guard let raw = log.publicKey.rawBytes.flatMap({ Data(base64Encoded: $0) }) else {
                throw bad("\(place).publicKey: rawBytes missing or not base64")
            }
            let key: Certificate.PublicKey
            do { key = try Certificate.PublicKey(derEncoded: [UInt8](raw)) } catch {
                throw bad("\(place).publicKey: not a public key this verifier reads (\(error))")
            }
            guard let id = Data(base64Encoded: log.logId.keyId) else { throw bad("\(place).logId.keyId is not base64") }
            let algorithm: Certificate.SignatureAlgorithm = log.publicKey.keyDetails == "PKIX_ED25519" ? .ed25519 : .ecdsaWithSHA256
            return Log(baseURL: log.baseUrl ?? "", logID: Hex.lower(id),
                       key: key, algorithm: algorithm,
                       validity: try Self.validity(log.publicKey.validFor, place + ".publicKey", bad))
        }
        fingerprint = Digest.sha256(bytes)
    }

    /// The file at `path`, or the public-good root built into bpfman when nil.
    public static func load(path: String?) throws -> TrustedRoot {
        guard let path else { return try TrustedRoot(json: Array(PublicGoodTrustedRoot.json.utf8), source: "(built-in public-good)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SigningError.badConfiguration("trusted root \(path) cannot be read")
        }
        return try TrustedRoot(json: [UInt8](data), source: path)
    }

    private static func validity(_ v: File.ValidFor?, _ place: String, _ bad: (String) -> SigningError) throws -> Validity {
        func date(_ s: String?, _ field: String) throws -> Date? {
            guard let s else { return nil }
            guard let d = RFC3339Date.parse(s) else { throw bad("\(place).validFor.\(field) \"\(s)\" is not an RFC 3339 time") }
            return d
        }
        return Validity(start: try date(v?.start, "start"), end: try date(v?.end, "end"))
    }

    static func jsonError(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { k in k.intValue.map(String.init) ?? (k.stringValue.hasPrefix("Index ") ? String(k.stringValue.dropFirst(6)) : k.stringValue) }
                .joined(separator: ".")
        }
        return switch error {
        case DecodingError.keyNotFound(let key, let c): "\(path(c.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c): "\(path(c.codingPath)) has the wrong type"
        case DecodingError.dataCorrupted(let c) where c.codingPath.isEmpty: "it does not parse as JSON"
        default: "\(error)"
        }
    }

    // The file's shape (sigstore protobuf-specs TrustedRoot in JSON).
    struct File: Decodable {
        struct ValidFor: Decodable { var start: String?; var end: String? }
        struct RawBytes: Decodable { var rawBytes: String }
        struct Chain: Decodable { var certificates: [RawBytes] }
        struct CA: Decodable { var certChain: Chain?; var validFor: ValidFor? }
        struct Key: Decodable { var rawBytes: String?; var keyDetails: String?; var validFor: ValidFor? }
        struct LogID: Decodable { var keyId: String }
        struct TLog: Decodable { var baseUrl: String?; var publicKey: Key; var logId: LogID }
        var mediaType: String?
        var tlogs: [TLog]?
        var certificateAuthorities: [CA]?
    }
}
