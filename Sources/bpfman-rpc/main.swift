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
    @Option(name: .long, help: "Exit after this many seconds without a request; 0 never exits (nor does --csi-support: kubelet calls the plugin at any time).")
    var timeout: UInt64 = 15
    @Flag(name: .long, help: "Also serve the csi.bpfman.io CSI node plugin (maps into pods); needs KUBE_NODE_NAME.")
    var csiSupport = false
    @Option(name: .long, help: "The CSI plugin's socket; per-volume bpffs mounts go in fs/ beside it.")
    var csiSocket = CSINodePlugin.defaultSocketPath

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = env["RUST_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
            return h
        }
        let logger = Logger(label: "bpfman-rpc")
        let nodeName = env["KUBE_NODE_NAME"] ?? ""
        if csiSupport && nodeName.isEmpty {
            FileHandle.standardError.write(Data("bpfman-rpc: --csi-support needs KUBE_NODE_NAME, the name of this node (the DaemonSet sets it from spec.nodeName)\n".utf8))
            throw ExitCode(2)
        }
        let config = BpfmanConfig.load(path: env["BPFMAN_CONFIG"] ?? BpfmanConfig.defaultPath)
        let images: ImageManager
        do { images = try ImageManager.fromEnvironment(env, config: config) } catch {
            FileHandle.standardError.write(Data("bpfman-rpc: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let manager = ProgramManager(paths: BpfmanPaths.fromEnvironment(env), config: config, logger: logger)
        // What a killed predecessor left half done is put right before the first request.
        do { try manager.recover() } catch { logger.error("repair at start failed; it runs again before each change", metadata: ["error": "\(error)"]) }
        let csi = csiSupport ? CSINodePlugin(nodeID: nodeName, manager: manager,
                                             volumesRoot: (csiSocket as NSString).deletingLastPathComponent + "/fs",
                                             logger: Logger(label: "bpfman-rpc.csi")) : nil
        let daemon = RPCDaemon(
            options: .init(socketPath: socketPath,
                           inactivityTimeout: timeout == 0 || csiSupport ? nil : .seconds(timeout),
                           inheritedSocket: SocketFile.systemdSocket(environment: env)),
            manager: manager, images: images, logger: logger,
            onListening: { csi?.markReady() })
        // The bpfman daemon returning on its own (the inactivity timeout) is a clean exit of both.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)]
        if let csi {
            services.append(.init(service: CSIDaemon(socketPath: csiSocket, plugin: csi, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
