import Bpfman
import BpfmanImages
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle

/// `bpfman-rpc`: the bpfman.v1 service on a unix socket, as one lifecycle
/// Service. Graceful shutdown lets calls in flight finish, then removes the
/// socket file it made.
public struct RPCDaemon: Service {
    public struct Options: Sendable {
        public var socketPath: String
        /// Exit after this long without a request; nil disables.
        public var inactivityTimeout: Duration?
        /// A listening socket passed by systemd (LISTEN_FDS), used instead of binding.
        public var inheritedSocket: Int32?

        public init(socketPath: String, inactivityTimeout: Duration?, inheritedSocket: Int32?) {
            self.socketPath = socketPath
            self.inactivityTimeout = inactivityTimeout
            self.inheritedSocket = inheritedSocket
        }
    }

    public static let defaultSocketPath = "/run/bpfman-sock/bpfman.sock"

    let options: Options
    let manager: ProgramManager
    let images: ImageManager
    let logger: Logger

    /// Called once the socket accepts calls (the CSI plugin's readiness).
    let onListening: (@Sendable () -> Void)?

    public init(options: Options, manager: ProgramManager, images: ImageManager, logger: Logger,
                onListening: (@Sendable () -> Void)? = nil) {
        self.options = options
        self.manager = manager
        self.images = images
        self.logger = logger
        self.onListening = onListening
    }

    /// The largest request bpfman-rpc reads (16 MiB).
    public static let maxRequestBytes = 16 << 20

    public func run() async throws {
        let activity = ActivityTracker()
        let transport: HTTP2ServerTransport.Posix
        // Over gRPC's 4 MiB default, so an oversized global data value reaches
        // the load's own check (which names the variable and its size) instead
        // of a reset stream; the cap matches the largest record the store reads.
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = RPCDaemon.maxRequestBytes
        if let fd = options.inheritedSocket {
            logger.info("using a unix socket from systemd", metadata: ["fd": "\(fd)"])
            transport = HTTP2ServerTransport.Posix(listeningSocketDescriptor: Int(fd), transportSecurity: .plaintext, config: config)
        } else {
            try SocketFile.prepare(options.socketPath)
            transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: options.socketPath), transportSecurity: .plaintext, config: config)
        }
        let server = GRPCServer(transport: transport, services: [BpfmanService(manager: manager, images: images, activity: activity)])
        let options = self.options, logger = self.logger, onListening = self.onListening
        try await SocketFile.serve(server, socketPath: options.inheritedSocket == nil ? options.socketPath : nil,
                                   what: "bpfman.v1", logger: logger) {
            onListening?()
            // The watcher only asks for a graceful shutdown; serve() then
            // returns once calls in flight are done.
            guard let timeout = options.inactivityTimeout else { return }
            while !Task.isCancelled {
                if activity.idleFor >= timeout {
                    logger.info("no request for \(timeout); shutting down")
                    server.beginGracefulShutdown()
                    return
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}

/// The socket file: its directory, a stale file left by a crash, its mode.
public enum SocketFile {
    /// Serves `server` until a graceful shutdown of the service group, running
    /// `whileListening` beside it once it listens. A socket file it was given
    /// (nil for one systemd passed) gets mode 0660 and is removed at the end.
    static func serve(_ server: GRPCServer<HTTP2ServerTransport.Posix>, socketPath: String?, what: String, logger: Logger,
                      whileListening: @escaping @Sendable () async -> Void) async throws {
        defer { if let socketPath { SocketFile.remove(socketPath) } }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                var beside: Task<Void, Never>?
                if try await server.listeningAddress != nil {
                    if let socketPath {
                        try SocketFile.setMode(socketPath)
                        logger.info("serving \(what)", metadata: ["socket": "\(socketPath)"])
                    }
                    beside = Task { await whileListening() }
                }
                defer { beside?.cancel() }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            logger.info("graceful shutdown: finishing \(what) calls in flight")
            server.beginGracefulShutdown()
        }
    }

    static func prepare(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw BpfmanError(.failedPrecondition, "\(path) exists and is not a socket; remove it or choose another --socket-path")
            }
            // A socket nobody listens on is stale (a crashed daemon's); a live one is not ours to take.
            if SocketFile.isListening(path) {
                throw BpfmanError(.alreadyExists, "another server is listening on \(path)")
            }
            unlink(path)
        }
    }

    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: addr.sun_path) - 1))
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    static func setMode(_ path: String) throws {
        guard chmod(path, 0o660) == 0 else {
            throw BpfmanError(.internal, "cannot chmod 0660 \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) { unlink(path) }

    /// The listening socket systemd passed, if LISTEN_PID/LISTEN_FDS say so
    /// and fd 3 is a unix stream socket.
    public static func systemdSocket(environment: [String: String]) -> Int32? {
        guard environment["LISTEN_PID"].flatMap(Int32.init) == getpid(),
              environment["LISTEN_FDS"] == "1" else { return nil }
        var type: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        var domain: Int32 = 0
        var dlen = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) == 0, type == Int32(SOCK_STREAM.rawValue),
              getsockopt(3, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) == 0, domain == AF_UNIX else { return nil }
        return 3
    }
}
