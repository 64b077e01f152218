import Bpfman
import BpfmanImages
import GRPCCore
import Logging
import NIOPosix

/// The bpfman.v1 service: a thin layer over the core. Core calls block
/// (kernel work, the store lock, netns switches on the calling thread), so they
/// run on NIO's blocking thread pool, never on the cooperative pool.
public struct BpfmanService: Bpfman_V1_Bpfman.SimpleServiceProtocol {
    let manager: ProgramManager
    let images: ImageManager
    let activity: ActivityTracker?

    public init(manager: ProgramManager, images: ImageManager, activity: ActivityTracker? = nil) {
        self.manager = manager
        self.images = images
        self.activity = activity
    }

    /// Runs async work (image pulls), giving core errors their status codes.
    private func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        activity?.begin()
        defer { activity?.end() }
        do { return try await body() } catch { throw Self.status(for: error) }
    }

    /// The status a client sees for an error: a core error's code and message;
    /// anything else (a kernel call no check caught first) INTERNAL with what
    /// failed, logged, never gRPC's bare "unknown error".
    static func status(for error: any Error) -> any Error {
        switch error {
        case let e as BpfmanError:
            return RPCError(code: code(e.kind), message: e.message)
        case is RPCError, is CancellationError:
            return error
        default:
            Logger(label: "bpfman-rpc").error("request failed with an unexpected error", metadata: ["error": "\(error)"])
            return RPCError(code: .internalError, message: "\(error)")
        }
    }

    /// Credentials from a BytecodeImage (empty strings mean none, as upstream).
    static func auth(_ image: Bpfman_V1_BytecodeImage) -> RegistryAuth? {
        guard image.hasUsername, image.hasPassword, !image.username.isEmpty, !image.password.isEmpty else { return nil }
        return RegistryAuth(username: image.username, password: image.password)
    }

    /// Runs blocking core work off the cooperative pool.
    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await mapped { try await NIOThreadPool.singleton.runIfActive(body) }
    }

    static func code(_ kind: BpfmanError.Kind) -> RPCError.Code {
        switch kind {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .failedPrecondition: .failedPrecondition
        case .permissionDenied: .permissionDenied
        case .alreadyExists: .alreadyExists
        case .unavailable: .unavailable
        case .dataLoss: .dataLoss
        case .internal: .internalError
        }
    }

    private func convert<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw Self.status(for: error) }
    }

    /// Runs `body` in a task that is cancelled when gRPC cancels the RPC (the
    /// client cancelled, or its deadline passed) or the handler is: gRPC only
    /// flags the RPC, so without this a Load the client gave up on would run
    /// on and load a program nobody is ever told of.
    static func cancelledWithRPC<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        return try await withTaskCancellationHandler {
            try await withRPCCancellationHandler { try await task.value } onCancelRPC: { task.cancel() }
        } onCancel: {
            task.cancel()
        }
    }

    public func load(request: Bpfman_V1_LoadRequest, context: ServerContext) async throws -> Bpfman_V1_LoadResponse {
        let req = try convert { try ProtoConversion.request(request) }
        let auth = Self.auth(request.bytecode.image)
        let (images, manager) = (self.images, self.manager)
        let entry = try await Self.cancelledWithRPC { () async throws -> ProgramEntry in
            // A pull stops where it is when cancelled, before anything reaches the cache.
            let (prepared, path) = try await mapped { try await images.prepare(req, auth: auth) }
            try Task.checkCancellation()
            let entry = try await run { try manager.load(prepared, bytecodePath: path) }
            if Task.isCancelled {
                // Cancelled while the core loaded it: the caller will never see this program, so it goes again.
                try? await run { try manager.unload(id: entry.kernel.id) }
                throw CancellationError()
            }
            return entry
        }
        var response = Bpfman_V1_LoadResponse()
        if let info = ProtoConversion.programInfo(entry) { response.info = info }
        response.kernelInfo = ProtoConversion.kernelInfo(entry)
        return response
    }

    public func unload(request: Bpfman_V1_UnloadRequest, context: ServerContext) async throws -> Bpfman_V1_UnloadResponse {
        let manager = self.manager
        let id = request.id
        try await run { try manager.unload(id: id) }
        return Bpfman_V1_UnloadResponse()
    }

    public func list(request: Bpfman_V1_ListRequest, context: ServerContext) async throws -> Bpfman_V1_ListResponse {
        let filter = ProtoConversion.listFilter(request)
        let manager = self.manager
        let entries = try await run { try manager.list(filter) }
        var response = Bpfman_V1_ListResponse()
        response.results = entries.map { e in
            var r = Bpfman_V1_ListResponse.ListResult()
            if let info = ProtoConversion.programInfo(e) { r.info = info }
            r.kernelInfo = ProtoConversion.kernelInfo(e)
            return r
        }
        return response
    }

    public func pullBytecode(request: Bpfman_V1_PullBytecodeRequest, context: ServerContext) async throws -> Bpfman_V1_PullBytecodeResponse {
        let policy = try convert { try ProtoConversion.pullPolicy(request.image.imagePullPolicy) }
        let (images, url, auth) = (self.images, request.image.url, Self.auth(request.image))
        _ = try await Self.cancelledWithRPC { try await mapped { try await images.pull(url, policy: policy, auth: auth) } }
        return Bpfman_V1_PullBytecodeResponse()
    }

    public func get(request: Bpfman_V1_GetRequest, context: ServerContext) async throws -> Bpfman_V1_GetResponse {
        let manager = self.manager
        let id = request.id
        let entry = try await run { try manager.get(id: id) }
        var response = Bpfman_V1_GetResponse()
        if let info = ProtoConversion.programInfo(entry) { response.info = info }
        response.kernelInfo = ProtoConversion.kernelInfo(entry)
        return response
    }

    /// In-place move of an attached XDP, TC or TCX program (an addition to upstream's API).
    public func update(request: Bpfman_V1_UpdateRequest, context: ServerContext) async throws -> Bpfman_V1_UpdateResponse {
        let manager = self.manager
        let id = request.id
        let priority = request.hasPriority ? request.priority : nil
        let values = request.proceedOn
        let entry = try await run {
            var proceedOn: ProceedOn?
            if !values.isEmpty, let kind = try? manager.get(id: id).record?.kind { proceedOn = try ProceedOn.wire(values, for: kind) }
            return try manager.update(id: id, priority: priority, proceedOn: proceedOn)
        }
        var response = Bpfman_V1_UpdateResponse()
        if let info = ProtoConversion.programInfo(entry) { response.info = info }
        response.kernelInfo = ProtoConversion.kernelInfo(entry)
        return response
    }
}
