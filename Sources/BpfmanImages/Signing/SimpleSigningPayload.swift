import Foundation

/// The document a cosign signature signs (the "simple signing" format):
/// which manifest digest, under which reference, is vouched for.
public struct SimpleSigningPayload: Sendable, Equatable {
    public static let signatureType = "cosign container image signature"

    public var dockerReference: String
    public var manifestDigest: String

    public init(dockerReference: String, manifestDigest: String) {
        self.dockerReference = dockerReference
        self.manifestDigest = manifestDigest
    }

    /// Reads a payload; throws a sentence saying what is wrong with it.
    public init(parsing bytes: [UInt8]) throws {
        struct Doc: Decodable {
            struct Critical: Decodable {
                struct Identity: Decodable { var dockerReference: String?
                    enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" } }
                struct Image: Decodable { var digest: String
                    enum CodingKeys: String, CodingKey { case digest = "docker-manifest-digest" } }
                var identity: Identity?
                var image: Image
                var type: String
            }
            var critical: Critical
        }
        let doc: Doc
        do { doc = try JSONDecoder().decode(Doc.self, from: Data(bytes)) } catch {
            throw PayloadError("the payload is not a simple-signing document (\(TrustedRoot.jsonError(error)))")
        }
        guard doc.critical.type == Self.signatureType else {
            throw PayloadError("the payload's critical.type is \"\(doc.critical.type)\", not \"\(Self.signatureType)\"")
        }
        dockerReference = doc.critical.identity?.dockerReference ?? ""
        manifestDigest = doc.critical.image.digest
    }

    /// The bytes cosign signs, in cosign's field order.
    public var bytes: [UInt8] {
        let ref = CanonicalJSON.string(dockerReference), digest = CanonicalJSON.string(manifestDigest)
        return Array(#"{"critical":{"identity":{"docker-reference":\#(ref)},"image":{"docker-manifest-digest":\#(digest)},"type":"\#(Self.signatureType)"},"optional":null}"#.utf8)
    }

    struct PayloadError: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }
}
