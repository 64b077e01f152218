import ArgumentParser
import Bpfman
import FoundationEssentials
import Logging

/// The manager as the environment configures it.
enum CLIEnvironment {
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

/// `-o json` or the default tables.
package enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
