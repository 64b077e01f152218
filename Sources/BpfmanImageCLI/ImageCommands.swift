import ArgumentParser
import Bpfman
import BpfmanCLI
import BpfmanImages
import Foundation

/// `bpfman image pull|build|generate-build-args`.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Pull and build bytecode images.",
        subcommands: [ImagePull.self, ImageBuild.self, GenerateBuildArgs.self, ImageSign.self])
}

struct ImagePull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull a bytecode image into the local cache.")

    @Option(name: .shortAndLong, help: "Image reference.") var imageURL: String
    @Option(name: .shortAndLong, help: "Registry credentials: base64 of user:password.") var registryAuth: String?
    @Option(name: [.customShort("p"), .customLong("pull-policy")], help: "Always, IfNotPresent or Never.")
    var pullPolicy: ImagePullPolicy = .ifNotPresent
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() async throws {
        let pulled = try await Registry.images().pull(imageURL, policy: pullPolicy, auth: try Registry.auth(registryAuth))
        if output == .json {
            print(try Render.json(["reference": "\(pulled.reference)", "digest": pulled.manifestDigest,
                                   "bytecode": pulled.bytecodePath, "programs": ImageBuilder.json(pulled.programs),
                                   "signature": pulled.signature?.summary ?? "not checked"]), terminator: "")
        } else {
            print(Render.table("Image", [("Reference:", "\(pulled.reference)"), ("Digest:", pulled.manifestDigest),
                                         ("Programs:", pulled.programs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")),
                                         ("Signature:", pulled.signature?.summary ?? "not checked")]),
                  terminator: "")
        }
    }
}

struct ImageBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a bytecode image from an object file, without docker or podman.",
        discussion: "Writes an OCI image layout (--oci-layout DIR) and/or pushes to the tag's registry (--push).")

    @Option(name: .shortAndLong, help: "The BPF object file (host architecture).") var bytecode: String
    @Option(name: .shortAndLong, help: "Image reference to tag (and push) it as.") var tag: String
    @Flag(name: .long, help: "Push to the registry named by the tag.") var push = false
    @Option(name: .long, help: "Write an OCI image layout to this directory.") var ociLayout: String?
    @Flag(name: .long, help: "Put it in the local image cache ($BPFMAN_IMAGE_CACHE) under the tag, as if pulled.") var load = false
    @Option(name: .long, help: "Registry credentials for --push: base64 of user:password.") var registryAuth: String?
    @Option(name: [.customShort("f"), .customLong("container-file")], help: "Ignored: kept for upstream's flag set.")
    var containerFile: String?

    func run() async throws {
        guard push || load || ociLayout != nil else {
            throw BpfmanError(.invalidArgument, "say where the image goes: --push, --load, --oci-layout DIR, or several")
        }
        let ref: ImageReference
        do { ref = try ImageReference(parsing: tag) } catch let e as ImageError { throw e.bpfmanError }
        let image = try ImageBuilder.build(objectPath: bytecode)
        if let dir = ociLayout { try ImageBuilder.writeLayout(image, to: dir, tag: ref.tag ?? "latest") }
        if load {
            do { try ImageBuilder.load(image, into: try Registry.images().cache, as: ref) } catch let e as ImageError { throw e.bpfmanError }
        }
        if push {
            let images = try Registry.images()
            do {
                try await ImageBuilder.push(image, to: ref, settings: images.settings, auth: try Registry.auth(registryAuth))
            } catch let e as ImageError { throw e.bpfmanError }
        }
        print("\(ref) \(image.manifestDigest)")
    }
}

struct GenerateBuildArgs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-build-args",
        abstract: "Print the build args for Containerfile.bytecode (docker/podman builds).")

    @Option(name: .shortAndLong, help: "The BPF object file.") var bytecode: String

    func run() throws {
        let (programs, maps) = try ImageBuilder.labels(objectPath: bytecode)
        print("BYTECODE_FILE=\(bytecode)")
        print("PROGRAMS=\(ImageBuilder.json(programs))")
        print("MAPS=\(ImageBuilder.json(maps))")
    }
}

struct ImageSign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a bytecode image with a private key, as cosign does.",
        discussion: """
            Pushes a simple-signing payload for the image's manifest digest, signed with KEY (an unencrypted \
            PKCS#8 or SEC1 PEM: ECDSA P-256/P-384 or Ed25519, e.g. `openssl genpkey -algorithm ed25519`), to the \
            sha256-<digest>.sig manifest beside the image; signatures already there are kept. `cosign verify --key` \
            accepts it, and so does bpfman with the public key in a [[signing.policy]] keys list.
            """)

    @Option(name: .shortAndLong, help: "Image reference (tag or digest).") var imageURL: String
    @Option(name: .shortAndLong, help: "The private key (PEM).") var key: String
    @Option(name: .shortAndLong, help: "Registry credentials: base64 of user:password.") var registryAuth: String?

    func run() async throws {
        let ref: ImageReference
        do { ref = try ImageReference(parsing: imageURL) } catch let e as ImageError { throw e.bpfmanError }
        guard let pem = FileManager.default.contents(atPath: key) else {
            throw BpfmanError(.invalidArgument, "key \(key) cannot be read")
        }
        let images = try Registry.images()
        do {
            let privateKey = try ImageSigner.privateKey(pem: String(decoding: pem, as: UTF8.self), source: key)
            let signed = try await ImageSigner.sign(ref, key: privateKey, settings: images.settings,
                                                    auth: try Registry.auth(registryAuth))
            print("\(ref) \(signed.digest) signed: \(signed.signatureReference)")
        } catch let e as ImageError {
            throw e.bpfmanError
        } catch let e as SigningError {
            throw e.bpfmanError
        }
    }
}
