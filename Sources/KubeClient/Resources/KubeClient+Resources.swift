import Foundation
import NIOHTTP1

/// The verbs, on any kind described by a `ResourceInfo`.
extension KubeClient {
    public enum PatchType: String, Sendable {
        case merge = "application/merge-patch+json"
        case json = "application/json-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }

    public enum Propagation: String, Sendable { case background = "Background", foreground = "Foreground", orphan = "Orphan" }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ what: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw KubeError(reason: .other(0), code: 0, message: "cannot decode \(what): \(error)")
        }
    }

    public func get<T: Decodable>(_ r: ResourceInfo, namespace: String? = nil, name: String, as: T.Type = T.self) async throws -> T {
        try decode(T.self, try await send(.GET, r.path(namespace: namespace, name: name)), "\(r.kind) \(name)")
    }

    /// One page; pass the returned continue token for the next.
    public func list<T: Decodable & Sendable>(_ r: ResourceInfo, namespace: String? = nil, labelSelector: String? = nil,
                                              fieldSelector: String? = nil, limit: Int? = nil, continue token: String? = nil,
                                              as: T.Type = T.self) async throws -> ObjectList<T>
    {
        var q: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        if let limit { q.append(("limit", String(limit))) }
        if let token, !token.isEmpty { q.append(("continue", token)) }
        return try decode(ObjectList<T>.self, try await send(.GET, r.path(namespace: namespace), query: q), "\(r.kind) list")
    }

    /// Every page of a list, and the resourceVersion to watch from.
    public func listAll<T: Decodable & Sendable>(_ r: ResourceInfo, namespace: String? = nil, labelSelector: String? = nil,
                                                 fieldSelector: String? = nil, pageSize: Int = 500,
                                                 as: T.Type = T.self) async throws -> (items: [T], resourceVersion: String)
    {
        var items: [T] = []
        var token: String? = nil
        var rv = ""
        repeat {
            let page = try await list(r, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                      limit: pageSize, continue: token, as: T.self)
            items += page.items
            if token == nil { rv = page.metadata.resourceVersion ?? "" }
            token = page.metadata.continue
        } while !(token ?? "").isEmpty
        return (items, rv)
    }

    public func create<T: Codable>(_ r: ResourceInfo, namespace: String? = nil, _ object: T, fieldManager: String? = nil) async throws -> T {
        let q = fieldManager.map { [("fieldManager", $0)] } ?? []
        return try decode(T.self, try await send(.POST, r.path(namespace: namespace), query: q,
                                                 body: Array(try KubeClient.encoder.encode(object))), "created \(r.kind)")
    }

    /// PUT of the object (or its status with `subresource: "status"`); the
    /// object's resourceVersion makes it conditional.
    public func update<T: Codable>(_ r: ResourceInfo, namespace: String? = nil, name: String, _ object: T,
                                   subresource: String? = nil, fieldManager: String? = nil) async throws -> T
    {
        let q = fieldManager.map { [("fieldManager", $0)] } ?? []
        return try decode(T.self, try await send(.PUT, r.path(namespace: namespace, name: name, subresource: subresource), query: q,
                                                 body: Array(try KubeClient.encoder.encode(object))), "updated \(r.kind) \(name)")
    }

    public func patch<T: Decodable>(_ r: ResourceInfo, namespace: String? = nil, name: String, type: PatchType, body: [UInt8],
                                    subresource: String? = nil, fieldManager: String? = nil, force: Bool = false,
                                    as: T.Type = T.self) async throws -> T
    {
        var q: [(String, String)] = []
        if let fieldManager { q.append(("fieldManager", fieldManager)) }
        if force { q.append(("force", "true")) }
        return try decode(T.self, try await send(.PATCH, r.path(namespace: namespace, name: name, subresource: subresource), query: q,
                                                 body: body, contentType: type.rawValue), "patched \(r.kind) \(name)")
    }

    /// Server-side apply of an object under a field manager.
    public func apply<T: Codable>(_ r: ResourceInfo, namespace: String? = nil, name: String, _ object: T, fieldManager: String,
                                  force: Bool = false, subresource: String? = nil) async throws -> T
    {
        try await patch(r, namespace: namespace, name: name, type: .apply, body: Array(try KubeClient.encoder.encode(object)),
                        subresource: subresource, fieldManager: fieldManager, force: force, as: T.self)
    }

    public func delete(_ r: ResourceInfo, namespace: String? = nil, name: String, propagation: Propagation? = nil,
                       preconditionUID: String? = nil, preconditionResourceVersion: String? = nil) async throws
    {
        var opts: [String: AnyJSON] = ["kind": .string("DeleteOptions"), "apiVersion": .string("v1")]
        if let propagation { opts["propagationPolicy"] = .string(propagation.rawValue) }
        var pre: [String: AnyJSON] = [:]
        if let preconditionUID { pre["uid"] = .string(preconditionUID) }
        if let preconditionResourceVersion { pre["resourceVersion"] = .string(preconditionResourceVersion) }
        if !pre.isEmpty { opts["preconditions"] = .object(pre) }
        _ = try await send(.DELETE, r.path(namespace: namespace, name: name), body: Array(try KubeClient.encoder.encode(AnyJSON.object(opts))))
    }

    /// Reads, changes and writes an object, retrying on 409 Conflict with a fresh read each time.
    public func retryOnConflict<T: Codable & Sendable>(_ r: ResourceInfo, namespace: String? = nil, name: String, attempts: Int = 10,
                                                       subresource: String? = nil, _ change: (inout T) throws -> Void) async throws -> T
    {
        var backoff = Backoff(initial: .milliseconds(10), maximum: .seconds(1))
        for attempt in 1...max(attempts, 1) {
            var obj: T = try await get(r, namespace: namespace, name: name)
            try change(&obj)
            do {
                return try await update(r, namespace: namespace, name: name, obj, subresource: subresource)
            } catch let e as KubeError where e.isConflict && attempt < attempts {
                try await Task.sleep(for: backoff.next())
            }
        }
        throw KubeError(reason: .conflict, code: 409, message: "\(r.kind) \(name): still conflicting after \(attempts) attempts")
    }
}

/// Typed shortcuts for kinds with a Swift type.
extension KubeClient {
    public func get<T: KubeResource>(_ type: T.Type, namespace: String? = nil, name: String) async throws -> T {
        try await get(T.resource, namespace: namespace, name: name, as: T.self)
    }

    public func create<T: KubeResource>(_ object: T) async throws -> T {
        try await create(T.resource, namespace: object.namespace ?? (T.resource.namespaced ? config.namespace : nil), object)
    }

    public func update<T: KubeResource>(_ object: T, status: Bool = false) async throws -> T {
        try await update(T.resource, namespace: object.namespace, name: object.name, object, subresource: status ? "status" : nil)
    }
}
