import BpfKernel
import Bpfman
import Foundation

/// Pulls bytecode images with a pull policy into the cache and hands out the
/// object file inside. Nothing reaches the cache before all of an image's
/// parts are fetched and checked, so a failed pull leaves it as it was.
public struct ImageManager: Sendable {
    public let cache: ImageCache
    public let settings: RegistrySettings
    /// Which images must be signed, and by whom.
    public let signing: SignatureCheck

    public init(cache: ImageCache, settings: RegistrySettings, signing: SigningPolicy = .off) {
        self.cache = cache
        self.settings = settings
        self.signing = SignatureCheck(policy: signing, directory: cache.root + "/signatures")
    }

    /// The cache at $BPFMAN_IMAGE_CACHE (default /var/lib/bpfman/images),
    /// registry settings from the environment and bpfman.toml, and its
    /// `[signing]` policy; throws when that names a file it cannot use.
    public static func fromEnvironment(_ env: [String: String], config: BpfmanConfig) throws -> ImageManager {
        var settings = RegistrySettings.fromEnvironment(env)
        settings.insecureRegistries += config.insecureRegistries
        if settings.caFile == nil { settings.caFile = config.registryCAFile }
        let policy = try SigningPolicy.compile(config.signing, file: config.path ?? BpfmanConfig.defaultPath)
        return ImageManager(cache: ImageCache(root: env["BPFMAN_IMAGE_CACHE"] ?? ImageCache.defaultRoot),
                            settings: settings, signing: policy)
    }

    /// A pulled image, ready to load.
    public struct Pulled: Sendable, Equatable {
        public var reference: ImageReference
        public var manifestDigest: String
        /// The extracted ELF object in the cache.
        public var bytecodePath: String
        public var programs: [String: String]
        public var maps: [String: String]
        /// The signature verdict for `manifestDigest`.
        public var signature: ImageSignature?
    }

    /// Pulls (or finds in the cache) an image. Errors are `BpfmanError`s.
    public func pull(_ url: String, policy: ImagePullPolicy, auth: RegistryAuth?) async throws -> Pulled {
        do { return try await pullImage(url, policy: policy, auth: auth) } catch let e as ImageError {
            throw e.bpfmanError
        } catch let e as SigningError {
            throw e.bpfmanError
        }
    }

    /// For image bytecode: pulls it, checks the function is in it, and returns
    /// the request (with the digest recorded) and the object to hand the core.
    public func prepare(_ request: LoadRequest, auth: RegistryAuth?) async throws -> (LoadRequest, String?) {
        guard case .image(let url, let policy, _) = request.bytecode else { return (request, nil) }
        let pulled = try await pull(url, policy: policy, auth: auth)
        guard pulled.programs[request.name] != nil else {
            throw ImageError.functionNotInImage(request.name, pulled.reference, pulled.programs.keys.sorted()).bpfmanError
        }
        var r = request
        r.bytecode = .image(url: url, pullPolicy: policy, digest: pulled.manifestDigest)
        r.signature = pulled.signature
        return (r, pulled.bytecodePath)
    }

    func pullImage(_ url: String, policy: ImagePullPolicy, auth: RegistryAuth?) async throws -> Pulled {
        let ref = try ImageReference(parsing: url)
        let key = try auth.map { try cache.credentialKey($0, registry: ref.registry) }
        if policy != .always, let hit = try cached(ref) {
            try await authorize(ref, hit.entry, auth, key: key)
            var pulled = hit.pulled
            pulled.signature = try await signature(ref, digest: pulled.manifestDigest, auth: auth)
            return pulled
        }
        if policy == .never { throw ImageError.notCached(ref) }
        return try await withClient(auth) { try await fetch(ref, $0, key: key) }
    }

    /// The signature verdict, asking the registry only when the policy
    /// wants a signature and the digest is not already verified.
    private func signature(_ ref: ImageReference, digest: String, auth: RegistryAuth?) async throws -> ImageSignature {
        if let known = signing.known(ref, digest: digest) { return known }
        return try await withClient(auth) { try await signing.check(ref, digest: digest, client: $0) }
    }

    /// A registry client for `auth`, shut down after `body`.
    private func withClient<T>(_ auth: RegistryAuth?, _ body: (RegistryClient) async throws -> T) async throws -> T {
        try await RegistryClient.with(settings: settings, auth: auth, body)
    }

    /// The cached image, with its entry, if all of it is there and intact.
    func cached(_ ref: ImageReference) throws -> (entry: ImageCache.Entry, pulled: Pulled)? {
        guard let e = cache.entry(ref) else { return nil }
        _ = try cache.blob(e.manifestDigest)
        _ = try cache.blob(e.layerDigest)
        _ = try cache.blob(e.bytecodeDigest)
        return (e, Pulled(reference: ref, manifestDigest: e.manifestDigest, bytecodePath: try cache.blobPath(e.bytecodeDigest),
                          programs: e.programs, maps: e.maps))
    }

    /// Lets a request use a cached image only if it is anyone's, or the
    /// registry has accepted the request's credentials for it (now, with a
    /// manifest HEAD, or before); whatever the pull policy, a private image
    /// is never handed to a request that could not pull it itself.
    private func authorize(_ ref: ImageReference, _ entry: ImageCache.Entry, _ auth: RegistryAuth?, key: String?) async throws {
        let access = entry.access ?? .unknown
        guard access.decide(key) == .askRegistry else { return }
        let challenged: Bool
        do {
            challenged = try await withClient(auth) { client in
                try await client.checkManifest(ref, digest: entry.manifestDigest)
                return client.wasChallenged
            }
        } catch ImageError.unauthorized(_, let status, _) {
            throw ImageError.privateImage(ref, presented: auth != nil, status)
        } catch let e as ImageError {
            throw ImageError.accessUnverified(ref, e.description)
        }
        var e = entry
        e.access = access.granted(key, challenged: challenged)
        try cache.put(entry: e, for: ref)
    }

    private func fetch(_ ref: ImageReference, _ client: RegistryClient, key: String?) async throws -> Pulled {
        var (body, mediaType, digest) = try await client.manifest(ref)
        var manifestBlobs: [(String, [UInt8])] = [(digest, body)]
        if mediaType == MediaType.ociIndex || mediaType == MediaType.dockerList || Self.looksLikeIndex(body) {
            guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(body)) else {
                throw ImageError.malformedManifest(ref, "the image index does not parse")
            }
            let arch = BytecodeLabels.hostArchitecture
            guard let pick = index.manifests.first(where: { $0.platform?.os == "linux" && $0.platform?.architecture == arch })
                    ?? index.manifests.first(where: { $0.platform == nil }) else {
                throw ImageError.notFound(ref, "the index has no linux/\(arch) image")
            }
            var byDigest = ref
            byDigest.digest = pick.digest
            (body, mediaType, digest) = try await client.manifest(byDigest)
            manifestBlobs.append((digest, body))
        }
        guard let manifest = try? JSONDecoder().decode(ImageManifest.self, from: Data(body)) else {
            throw ImageError.malformedManifest(ref, "not an OCI or Docker v2 image manifest")
        }
        guard let layer = manifest.layers.first else { throw ImageError.notBytecode(ref, "it has no layer") }
        let configBytes = try await client.blob(ref, manifest.config, limit: 1 << 20)
        guard let config = try? JSONDecoder().decode(ImageConfig.self, from: Data(configBytes)) else {
            throw ImageError.malformedManifest(ref, "the image config does not parse")
        }
        let labels = config.config?.Labels ?? [:]
        let programs = try BytecodeLabels.programs(labels, ref)
        guard layer.mediaType.map(MediaType.gzipLayers.contains) ?? true else {
            throw ImageError.notBytecode(ref, "its layer is \(layer.mediaType ?? "untyped"), not a gzipped tar")
        }
        let layerBytes = try await client.blob(ref, layer, limit: settings.maxBlobBytes)
        let elf = try Self.extractBytecode(layerBytes, ref, limit: settings.maxBlobBytes)
        let elfDigest = Digest.sha256(elf)
        // Signed as the policy asks (a refused image is not cached).
        let signature = try await signing.check(ref, digest: digest, client: client)
        // All checked: now the cache. The reference goes last.
        for (d, b) in manifestBlobs { try cache.put(blob: b, digest: d) }
        try cache.put(blob: configBytes, digest: manifest.config.digest)
        try cache.put(blob: layerBytes, digest: layer.digest)
        try cache.put(blob: elf, digest: elfDigest)
        // Who else may use it: those the registry already served this very manifest, and now this request.
        let before = cache.entry(ref).flatMap { $0.manifestDigest == digest ? $0.access : nil } ?? .unknown
        let entry = ImageCache.Entry(reference: "\(ref)", manifestDigest: digest, layerDigest: layer.digest,
                                     bytecodeDigest: elfDigest, programs: programs, maps: BytecodeLabels.maps(labels),
                                     access: before.granted(key, challenged: client.wasChallenged))
        try cache.put(entry: entry, for: ref)
        return Pulled(reference: ref, manifestDigest: digest, bytecodePath: try cache.blobPath(elfDigest),
                      programs: programs, maps: entry.maps, signature: signature)
    }

    static func looksLikeIndex(_ body: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["manifests"] != nil
    }

    /// The object file: the first file of the gzipped tar layer, which must be
    /// an ELF of the host's byte order.
    static func extractBytecode(_ layer: [UInt8], _ ref: ImageReference, limit: Int) throws -> [UInt8] {
        let tar: [UInt8]
        do {
            tar = try Gzip.decompress(layer, limit: limit)
        } catch .tooLarge {
            throw ImageError.tooLarge("\(ref)", "the uncompressed layer", limit: limit)
        } catch {
            throw ImageError.notBytecode(ref, "its layer is not gzip data")
        }
        guard let file = Tar.firstFile(tar) else { throw ImageError.notBytecode(ref, "its layer holds no file") }
        let c = file.contents
        guard c.count > 16, c[0] == 0x7f, c[1] == 0x45, c[2] == 0x4c, c[3] == 0x46 else {
            throw ImageError.notBytecode(ref, "the layer's file \(file.name) is not an ELF object")
        }
        let littleEndian = 1.littleEndian == 1
        guard c[5] == (littleEndian ? 1 : 2) else {
            throw ImageError.notBytecode(ref, "the layer's object \(file.name) is for the other byte order")
        }
        return c
    }
}
