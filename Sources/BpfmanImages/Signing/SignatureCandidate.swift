/// One signature found beside an image: a layer of its `.sig` manifest,
/// the payload it signs and the annotations cosign put on it.
public struct SignatureCandidate: Sendable, Equatable {
    /// "layer 1 of sha256-….sig", for messages.
    public var name: String
    public var payload: [UInt8]
    /// Decoded from the `dev.cosignproject.cosign/signature` annotation; nil when absent or not base64.
    public var signature: [UInt8]?
    public var certificatePEM: String?
    public var chainPEM: String?
    public var bundle: String?

    public init(name: String, payload: [UInt8], signature: [UInt8]?, certificatePEM: String? = nil,
                chainPEM: String? = nil, bundle: String? = nil) {
        self.name = name; self.payload = payload; self.signature = signature
        self.certificatePEM = certificatePEM; self.chainPEM = chainPEM; self.bundle = bundle
    }
}
