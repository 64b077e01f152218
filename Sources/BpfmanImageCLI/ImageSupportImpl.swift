import ArgumentParser
import Bpfman
import BpfmanCLI
import BpfmanImages
import Foundation

/// bpfman-image's entry: the whole CLI, with the registry side.
public enum BpfmanImageCLI {
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int32 {
        BpfmanCommand.run(arguments: arguments, images: Registry())
    }
}

/// The registry side of the CLI: `image …` and the pull of `load image`.
struct Registry: ImageSupport {
    var root: any ParsableCommand.Type { ImageRoot.self }

    func prepare(_ request: LoadRequest, registryAuth text: String?) throws -> (LoadRequest, String?) {
        let images = try Registry.images(), auth = try Registry.auth(text)
        return try AsyncBridge.wait { try await images.prepare(request, auth: auth) }
    }

    /// The image manager as the environment configures it.
    static func images() throws -> ImageManager {
        let env = ProcessInfo.processInfo.environment
        do {
            return try ImageManager.fromEnvironment(env, config: BpfmanConfig.load(path: env["BPFMAN_CONFIG"] ?? BpfmanConfig.defaultPath))
        } catch let e as SigningError {
            throw e.bpfmanError
        }
    }

    /// `--registry-auth` (base64 of user:password) as credentials.
    static func auth(_ text: String?) throws -> RegistryAuth? {
        guard let text else { return nil }
        do { return try RegistryAuth(base64: text) } catch let e as ImageError { throw e.bpfmanError }
    }
}

/// `bpfman` as bpfman-image parses `image …` (its usage lines read `bpfman image …`).
struct ImageRoot: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bpfman", subcommands: [ImageCommand.self])
}
