import Foundation

/// OCI / Docker v2 media types and the JSON documents bpfman reads and writes.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    public static let manifests = [ociManifest, ociIndex, dockerManifest, dockerList]
    public static let gzipLayers = [ociLayerGzip, dockerLayerGzip]
}

/// A content descriptor.
public struct Descriptor: Codable, Sendable, Equatable {
    public var mediaType: String?
    public var digest: String
    public var size: Int
    public var platform: Platform?
    public var annotations: [String: String]?

    public init(mediaType: String?, digest: String, size: Int, annotations: [String: String]? = nil) {
        self.mediaType = mediaType; self.digest = digest; self.size = size; self.annotations = annotations
    }

    public struct Platform: Codable, Sendable, Equatable {
        public var architecture: String
        public var os: String
        public var variant: String?

        public init(architecture: String, os: String, variant: String? = nil) {
            self.architecture = architecture; self.os = os; self.variant = variant
        }
    }
}

/// An image manifest (OCI or Docker schema 2).
public struct ImageManifest: Codable, Sendable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
}

/// An image index / manifest list.
public struct ImageIndex: Codable, Sendable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]

    public init(schemaVersion: Int, mediaType: String?, manifests: [Descriptor]) {
        self.schemaVersion = schemaVersion; self.mediaType = mediaType; self.manifests = manifests
    }
}

/// The image config: bpfman reads its labels.
public struct ImageConfig: Codable, Sendable {
    public struct Inner: Codable, Sendable {
        public var Labels: [String: String]?
    }
    public struct RootFS: Codable, Sendable {
        public var type: String
        public var diff_ids: [String]
    }
    public var architecture: String?
    public var os: String?
    public var config: Inner?
    public var rootfs: RootFS?
}

/// The labels that make an image a bpfman bytecode image.
public enum BytecodeLabels {
    public static let programs = "io.ebpf.programs"
    public static let maps = "io.ebpf.maps"
    // v1 labels, read when the two above are missing.
    public static let legacyFunction = "io.ebpf.bpf_function_name"
    public static let legacyType = "io.ebpf.program_type"

    /// function name → program type, from the labels (v2, else v1).
    static func programs(_ labels: [String: String], _ ref: ImageReference) throws -> [String: String] {
        if let json = labels[programs] {
            guard let d = json.data(using: .utf8), let m = try? JSONDecoder().decode([String: String].self, from: d) else {
                throw ImageError.notBytecode(ref, "label \(programs) is not a JSON object of function names to program types")
            }
            return m
        }
        if let f = labels[legacyFunction], let t = labels[legacyType] { return [f: t] }
        throw ImageError.notBytecode(ref, "it has no \(programs) label")
    }

    static func maps(_ labels: [String: String]) -> [String: String] {
        guard let d = labels[maps]?.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: d)) ?? [:]
    }

    /// The host's platform as OCI names it.
    public static var hostArchitecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }
}
