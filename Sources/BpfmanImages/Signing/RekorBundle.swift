import Foundation

/// The `dev.sigstore.cosign/bundle` annotation: a Rekor entry and the log's
/// signed entry timestamp (SET) over it, which dates a keyless signature
/// without asking Rekor.
public struct RekorBundle: Sendable, Equatable {
    public var signedEntryTimestamp: [UInt8]
    /// The entry body, base64 as the log returned it.
    public var body: String
    public var integratedTime: Int64
    public var logIndex: Int64
    /// Hex.
    public var logID: String

    public init(signedEntryTimestamp: [UInt8], body: String, integratedTime: Int64, logIndex: Int64, logID: String) {
        self.signedEntryTimestamp = signedEntryTimestamp; self.body = body
        self.integratedTime = integratedTime; self.logIndex = logIndex; self.logID = logID
    }

    public init(parsing text: String) throws {
        struct Doc: Decodable {
            struct Payload: Decodable { var body: String; var integratedTime: Int64; var logIndex: Int64; var logID: String }
            var SignedEntryTimestamp: String
            var Payload: Payload
        }
        let doc: Doc
        do { doc = try JSONDecoder().decode(Doc.self, from: Data(text.utf8)) } catch {
            throw SimpleSigningPayload.PayloadError("the Rekor bundle does not parse (\(TrustedRoot.jsonError(error)))")
        }
        guard let set = Data(base64Encoded: doc.SignedEntryTimestamp) else {
            throw SimpleSigningPayload.PayloadError("the Rekor bundle's SignedEntryTimestamp is not base64")
        }
        self.init(signedEntryTimestamp: [UInt8](set), body: doc.Payload.body, integratedTime: doc.Payload.integratedTime,
                  logIndex: doc.Payload.logIndex, logID: doc.Payload.logID.lowercased())
    }

    /// What the log signed: the payload as canonical JSON (keys sorted, no
    /// white space), as Rekor and cosign compute it.
    public var signedBytes: [UInt8] {
        let body = CanonicalJSON.string(self.body), id = CanonicalJSON.string(logID)
        return Array(#"{"body":\#(body),"integratedTime":\#(integratedTime),"logID":\#(id),"logIndex":\#(logIndex)}"#.utf8)
    }

    public var time: Date { Date(timeIntervalSince1970: TimeInterval(integratedTime)) }

    /// The entry as JSON text (`hashedrekord`): what signature, key and
    /// payload hash the log recorded.
    public struct Entry: Sendable, Equatable {
        public var signature: [UInt8]
        /// The PEM (certificate or key) the log recorded, decoded from base64.
        public var publicKey: String
        /// Hex SHA-256 of the signed payload.
        public var payloadHash: String
    }

    public func entry() throws -> Entry {
        struct Doc: Decodable {
            struct Spec: Decodable {
                struct DataPart: Decodable { struct Hash: Decodable { var algorithm: String; var value: String }; var hash: Hash }
                struct Sig: Decodable { struct Key: Decodable { var content: String }; var content: String; var publicKey: Key }
                var data: DataPart
                var signature: Sig
            }
            var kind: String
            var spec: Spec
        }
        guard let raw = Data(base64Encoded: body), let doc = try? JSONDecoder().decode(Doc.self, from: raw) else {
            throw SimpleSigningPayload.PayloadError("the Rekor entry in the bundle is not a hashedrekord entry")
        }
        guard doc.kind == "hashedrekord", doc.spec.data.hash.algorithm == "sha256" else {
            throw SimpleSigningPayload.PayloadError("the Rekor entry is \(doc.kind) with \(doc.spec.data.hash.algorithm), not hashedrekord with sha256")
        }
        guard let sig = Data(base64Encoded: doc.spec.signature.content),
              let key = Data(base64Encoded: doc.spec.signature.publicKey.content) else {
            throw SimpleSigningPayload.PayloadError("the Rekor entry's signature or key is not base64")
        }
        return Entry(signature: [UInt8](sig), publicKey: String(decoding: key, as: UTF8.self), payloadHash: doc.spec.data.hash.value.lowercased())
    }
}
