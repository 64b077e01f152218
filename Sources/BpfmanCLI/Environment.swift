import ArgumentParser
import Bpfman
import BpfmanImages
import Foundation
import Logging

/// The manager as the environment configures it.
enum CLIEnvironment {
    static func images() throws -> ImageManager {
        let env = ProcessInfo.processInfo.environment
        do {
            return try ImageManager.fromEnvironment(env, config: BpfmanConfig.load(path: env["BPFMAN_CONFIG"] ?? BpfmanConfig.defaultPath))
        } catch let e as SigningError {
            throw e.bpfmanError
        }
    }

    static func manager() -> ProgramManager {
        let env = ProcessInfo.processInfo.environment
        var logger = Logger(label: "bpfman")
        logger.logLevel = env["RUST_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
            ?? env["BPFMAN_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .warning
        return ProgramManager(paths: BpfmanPaths.fromEnvironment(env),
                              config: BpfmanConfig.load(path: env["BPFMAN_CONFIG"] ?? BpfmanConfig.defaultPath),
                              logger: logger)
    }
}

extension ImagePullPolicy: ExpressibleByArgument {}

/// `--registry-auth` (base64 of user:password) as credentials.
func registryAuth(_ text: String?) throws -> RegistryAuth? {
    guard let text else { return nil }
    do { return try RegistryAuth(base64: text) } catch let e as ImageError { throw e.bpfmanError }
}

/// `-o json` or the default tables.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
