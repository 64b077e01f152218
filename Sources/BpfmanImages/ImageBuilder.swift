import BpfKernel
import Bpfman
import Foundation

/// Builds bytecode images without docker or podman: reads the ELF for the
/// labels, makes the one-layer image, writes an OCI layout or pushes it.
/// Builds are reproducible (no timestamps).
public enum ImageBuilder {
    public struct Image: Sendable {
        public var manifest: [UInt8]
        public var manifestDigest: String
        public var config: [UInt8]
        public var layer: [UInt8]
        public var configDescriptor: Descriptor
        public var layerDescriptor: Descriptor
        public var labels: [String: String]
        /// The one file in the layer (the BPF object).
        public var contents: [UInt8]
    }

    /// The `io.ebpf.programs` / `io.ebpf.maps` contents of an object file.
    public static func labels(objectPath: String) throws -> (programs: [String: String], maps: [String: String]) {
        let object: BpfObject
        do { object = try BpfObject(path: objectPath) } catch let e as KernelError {
            throw BpfmanError(.invalidArgument, "cannot read \(objectPath) as a BPF object: \(e.reason)")
        }
        var programs: [String: String] = [:]
        for p in object.programs { programs[p.name] = KernelTypeNames.program(p.type) }
        guard !programs.isEmpty else { throw BpfmanError(.invalidArgument, "\(objectPath) has no BPF programs") }
        var maps: [String: String] = [:]
        for m in object.maps where !m.isInternal { maps[m.name] = KernelTypeNames.map(m.type) }
        return (programs, maps)
    }

    public static func json(_ value: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The image for a BPF object file, labelled from its contents.
    public static func build(objectPath: String) throws -> Image {
        guard let data = FileManager.default.contents(atPath: objectPath) else {
            throw BpfmanError(.notFound, "bytecode file \(objectPath) does not exist")
        }
        let (programs, maps) = try labels(objectPath: objectPath)
        return build(fileName: (objectPath as NSString).lastPathComponent, contents: [UInt8](data),
                     labels: [BytecodeLabels.programs: json(programs), BytecodeLabels.maps: json(maps)])
    }

    /// An image of one file with the given labels (any file: tests build bad images with it).
    public static func build(fileName: String, contents: [UInt8], labels: [String: String]) -> Image {
        let tar = Tar.single(name: fileName, contents: contents)
        let layer = Gzip.compress(tar)
        let config = ImageConfig(architecture: BytecodeLabels.hostArchitecture, os: "linux",
                                 config: .init(Labels: labels.isEmpty ? nil : labels),
                                 rootfs: .init(type: "layers", diff_ids: [Digest.sha256(tar)]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configBytes = [UInt8]((try? encoder.encode(config)) ?? Data())
        let configDesc = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.sha256(configBytes), size: configBytes.count)
        let layerDesc = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.sha256(layer), size: layer.count)
        let manifest = ImageManifest(schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers: [layerDesc])
        let manifestBytes = [UInt8]((try? encoder.encode(manifest)) ?? Data())
        return Image(manifest: manifestBytes, manifestDigest: Digest.sha256(manifestBytes), config: configBytes, layer: layer,
                     configDescriptor: configDesc, layerDescriptor: layerDesc, labels: labels, contents: contents)
    }

    /// Writes (or adds to) an OCI image layout directory, the image tagged `tag`.
    public static func writeLayout(_ image: Image, to dir: String, tag: String) throws {
        for (bytes, digest) in [(image.layer, image.layerDescriptor.digest), (image.config, image.configDescriptor.digest),
                                (image.manifest, image.manifestDigest)] {
            guard let hex = Digest.hex(digest) else { continue }
            try ImageCache.writeAtomically(bytes, to: "\(dir)/blobs/sha256/\(hex)")
        }
        try ImageCache.writeAtomically([UInt8](#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: "\(dir)/oci-layout")
        var index = ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [])
        if let data = FileManager.default.contents(atPath: "\(dir)/index.json"),
           let existing = try? JSONDecoder().decode(ImageIndex.self, from: data) {
            index.manifests = existing.manifests.filter { $0.annotations?["org.opencontainers.image.ref.name"] != tag }
        }
        index.manifests.append(Descriptor(mediaType: MediaType.ociManifest, digest: image.manifestDigest, size: image.manifest.count,
                                          annotations: ["org.opencontainers.image.ref.name": tag]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try ImageCache.writeAtomically([UInt8](try encoder.encode(index)), to: "\(dir)/index.json")
    }

    /// Puts the image into the local cache under `ref`, as a pull of it would
    /// (`bpfman image build --load`): a load with pull policy IfNotPresent or
    /// Never then finds it without a registry.
    public static func load(_ image: Image, into cache: ImageCache, as ref: ImageReference) throws {
        let bytecodeDigest = Digest.sha256(image.contents)
        try cache.put(blob: image.manifest, digest: image.manifestDigest)
        try cache.put(blob: image.config, digest: image.configDescriptor.digest)
        try cache.put(blob: image.layer, digest: image.layerDescriptor.digest)
        try cache.put(blob: image.contents, digest: bytecodeDigest)
        try cache.put(entry: .init(reference: "\(ref)", manifestDigest: image.manifestDigest, layerDigest: image.layerDescriptor.digest,
                                   bytecodeDigest: bytecodeDigest, programs: try BytecodeLabels.programs(image.labels, ref),
                                   maps: BytecodeLabels.maps(image.labels), access: .local),
                      for: ref)
    }

    /// Pushes the image to a registry under `ref`'s tag.
    public static func push(_ image: Image, to ref: ImageReference, settings: RegistrySettings, auth: RegistryAuth?) async throws {
        try await RegistryClient.with(settings: settings, auth: auth) { client in
            _ = try await client.push(blob: image.layer, to: ref)
            _ = try await client.push(blob: image.config, to: ref)
            try await client.push(manifest: image.manifest, mediaType: MediaType.ociManifest, to: ref)
        }
    }
}
