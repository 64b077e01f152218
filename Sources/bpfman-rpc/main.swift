import ArgumentParser
import Bpfman
import BpfmanImages
import BpfmanRPC
import Foundation
import Logging
import ServiceLifecycle

/// `bpfman-rpc`: serves bpfman.v1 on a unix socket until SIGTERM/SIGINT or
/// the inactivity timeout.
@main
struct BpfmanRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpfman-rpc",
        abstract: "Serve the bpfman.v1 gRPC API on a unix socket.")

    @Option(name: .long, help: "Socket to serve on (a systemd-passed socket is used instead when present).")
    var socketPath = RPCDaemon.defaultSocketPath
    @Option(name: .long, help: "Exit after this many seconds without a request; 0 never exits.")
    var timeout: UInt64 = 15
    @Flag(name: .long, help: "Accepted for compatibility; the CSI node plugin is not part of this build.")
    var csiSupport = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = env["RUST_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
            return h
        }
        let logger = Logger(label: "bpfman-rpc")
        if csiSupport { logger.warning("--csi-support given: the CSI node plugin is not part of this build") }
        let config = BpfmanConfig.load(path: env["BPFMAN_CONFIG"] ?? BpfmanConfig.defaultPath)
        let manager = ProgramManager(paths: BpfmanPaths.fromEnvironment(env), config: config, logger: logger)
        let daemon = RPCDaemon(
            options: .init(socketPath: socketPath,
                           inactivityTimeout: timeout == 0 ? nil : .seconds(timeout),
                           inheritedSocket: SocketFile.systemdSocket(environment: env)),
            manager: manager, images: ImageManager.fromEnvironment(env, config: config), logger: logger)
        // The daemon returning on its own (the inactivity timeout) is a clean exit.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
