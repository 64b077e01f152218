import Foundation
import Yams

/// Routes API requests to discovery, the object store and the admin endpoints.
struct APIHandler: Sendable {
    let store: ObjectStore
    let faults: FaultInjector
    let bookmarkInterval: Duration
    let authorizer: Authorizer
    let tokenRequests: TokenRequestHandler
    let onAdmin: @Sendable (String, JSON) -> APIReply?
    var requests = RequestCounter()

    func handle(_ req: APIRequest) async -> APIReply {
        if !req.path.hasPrefix("/kubesim/") { requests.count(method: "\(req.method)", path: req.path, isWatch: req.isWatch) }
        if let r = faults.match(method: req.method, path: req.path, isWatch: req.isWatch), !req.path.hasPrefix("/kubesim/") {
            if let d = r.delayMilliseconds { try? await Task.sleep(for: .milliseconds(d)) }
            if let s = r.status { return .error(FaultInjector.error(for: r, status: s)) }
        }
        if req.isWatch || (req.method == "GET" && req.query["resourceVersionMatch"] == "NotOlderThan") {
            await waitForResourceVersion(req)
        }
        do {
            return try route(req)
        } catch let e as APIError {
            return .error(e)
        } catch {
            return .error(APIError(code: 500, reason: "InternalError", message: "kubesim: \(error)"))
        }
    }

    /// A watch from a resourceVersion ahead of the store waits up to three
    /// seconds for it, as the real server's watch cache does, before the
    /// store refuses it as too large.
    func waitForResourceVersion(_ req: APIRequest) async {
        guard let wanted = req.query["resourceVersion"].flatMap({ Int64($0) }) else { return }
        for _ in 0..<30 where store.currentResourceVersion < wanted {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    func route(_ req: APIRequest) throws -> APIReply {
        let seg = req.path.split(separator: "/").map(String.init)
        switch req.path {
        case "/version", "/version/": return .json(200, Discovery.version())
        case "/healthz", "/livez", "/readyz": return .full(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok".utf8))
        case "/api", "/api/": return .json(200, Discovery.coreVersions())
        case "/apis", "/apis/":
            return .json(200, Discovery.groupList(store.allTypes(), extra: BuiltinTypes.emptyGroups(openShift: store.openShift)))
        default: break
        }
        if seg.first == "openapi", seg.count >= 2, seg[1] == "v3" {
            let types = store.allTypes()
            if seg.count == 2 { return .json(200, OpenAPI.root(types, resourceVersion: store.currentResourceVersion)) }
            let gv = seg.dropFirst(2).joined(separator: "/")
            let selected = types.filter { OpenAPI.gvPath($0) == gv }
            guard !selected.isEmpty else { throw APIError.pathNotFound(req.path) }
            return .json(200, OpenAPI.document(selected))
        }
        if seg.first == "kubesim" {
            if let u = req.user, !u.isSuperuser {
                throw APIError(code: 403, reason: "Forbidden", message: "forbidden: User \"\(u.name)\" cannot use kubesim's admin endpoints")
            }
            if seg.dropFirst().joined(separator: "/") == "authorizations" {
                return .json(200, ["authorizations": .array(authorizer.log.entries.map(JSON.string))])
            }
            let body = req.body.isEmpty ? JSON.object([:]) : try JSON.parse(req.body)
            return onAdmin(seg.dropFirst().joined(separator: "/"), body) ?? .error(.pathNotFound(req.path))
        }
        let group: String, version: String, rest: [String]
        if seg.first == "api", seg.count >= 2 {
            group = ""; version = seg[1]; rest = Array(seg.dropFirst(2))
        } else if seg.first == "apis", seg.count >= 3 {
            group = seg[1]; version = seg[2]; rest = Array(seg.dropFirst(3))
        } else if seg.first == "apis", seg.count == 2 {
            guard let g = Discovery.group(seg[1], store.allTypes(), extra: BuiltinTypes.emptyGroups(openShift: store.openShift)) else {
                throw APIError.pathNotFound(req.path)
            }
            return .json(200, g)
        } else {
            throw APIError.pathNotFound(req.path)
        }
        if rest.isEmpty {
            let types = store.allTypes().filter { $0.group == group && $0.version == version }
            let known = !types.isEmpty || BuiltinTypes.emptyGroups(openShift: store.openShift).contains { $0 == (group, version) }
            guard known else { throw APIError.pathNotFound(req.path) }
            return .json(200, Discovery.resourceList(groupVersion: group.isEmpty ? version : "\(group)/\(version)", types))
        }
        var r = rest
        var watchPrefix = false
        if r.first == "watch" { watchPrefix = true; r.removeFirst() }
        var namespace: String? = nil
        if r.count >= 3, r[0] == "namespaces", !(r.count == 3 && ["status", "finalize"].contains(r[2])) {
            namespace = r[1]
            r.removeFirst(2)
        }
        guard let plural = r.first, let t = store.type(group: group, version: version, plural: plural) else {
            throw APIError.pathNotFound(req.path)
        }
        if namespace != nil && !t.namespaced { throw APIError.pathNotFound(req.path) }
        let name = r.count > 1 ? r[1] : nil
        let sub = r.count > 2 ? r[2] : nil
        if r.count > 3 { throw APIError.pathNotFound(req.path) }
        if let sub, !(sub == "status" && t.hasStatus) && !(sub == "finalize" && t.kind == "Namespace")
            && !(sub == "scale" && t.hasScale) && !(sub == "token" && t.kind == "ServiceAccount" && t.group.isEmpty)
        {
            throw APIError.pathNotFound(req.path)
        }
        let ns = t.namespaced ? (namespace ?? "") : ""
        if t.namespaced && name != nil && namespace == nil && req.method != "GET" {
            throw APIError.pathNotFound(req.path)
        }
        let watch = watchPrefix || req.isWatch
        var req = try impersonated(req)
        if let user = req.user, !AccessReviews.isSelfReview(t) {
            let a = RequestAttributes(user: user, verb: RequestAttributes.verb(method: req.method, hasName: name != nil, watch: watch),
                                      apiGroup: t.group, resource: t.plural, subresource: sub ?? "", namespace: ns, name: name ?? "")
            try authorizer.check(a)
            req.attributes = a
        }
        if sub == "token", let name {
            guard req.method == "POST" else { throw APIError.methodNotAllowed("the server does not allow this method on the requested resource") }
            return negotiated(req, try tokenRequests.create(namespace: ns, name: name, body: try body(req)))
        }
        if AccessReviews.isReview(t) {
            guard req.method == "POST", name == nil else {
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
            let reviews = AccessReviews(store: store, enforce: authorizer.enforce)
            return negotiated(req, try reviews.create(t, requester: req.user, body: try body(req)))
        }
        return negotiated(req, try perform(req, t, namespace: t.namespaced ? namespace : nil, ns: ns, name: name, sub: sub, watch: watch))
    }

    /// `Impersonate-User` and `Impersonate-Group` (kubectl --as, --as-group):
    /// the requester needs `impersonate` on the user (or the ServiceAccount)
    /// and on each group; the request then runs as that user. A ServiceAccount
    /// impersonated without groups gets its ServiceAccount groups, as the real
    /// server gives them.
    func impersonated(_ req: APIRequest) throws -> APIRequest {
        guard let target = req.header("Impersonate-User") else {
            if req.header("Impersonate-Group") != nil { throw APIError.badRequest("Impersonate-Group is set but Impersonate-User is not") }
            return req
        }
        let groups = req.headers.filter { $0.0.lowercased() == "impersonate-group" }.map(\.1)
        if let requester = req.user {
            let asSA = UserInfo(name: target).serviceAccount
            var checks = [RequestAttributes(user: requester, verb: "impersonate", apiGroup: "",
                                            resource: asSA == nil ? "users" : "serviceaccounts", subresource: "",
                                            namespace: asSA?.namespace ?? "", name: asSA?.name ?? target)]
            checks += groups.map { RequestAttributes(user: requester, verb: "impersonate", apiGroup: "", resource: "groups",
                                                     subresource: "", namespace: "", name: $0) }
            for c in checks { try authorizer.check(c) }
        }
        var r = req
        if let sa = UserInfo(name: target).serviceAccount, groups.isEmpty {
            r.user = UserInfo.serviceAccount(namespace: sa.namespace, name: sa.name)
        } else {
            r.user = UserInfo(name: target, groups: groups)
        }
        return r
    }

    /// A client that puts protobuf first in its Accept header (client-go set
    /// up for it) gets protobuf for the kinds kubesim can write; everything
    /// else stays JSON, which such clients accept too, as the real server
    /// answers for custom resources.
    func negotiated(_ req: APIRequest, _ reply: APIReply) -> APIReply {
        guard case .full(let status, let headers, let body) = reply, (200..<300).contains(status),
              let first = req.header("Accept")?.split(separator: ",").first,
              first.trimmingCharacters(in: .whitespaces).hasPrefix(ProtobufBodies.contentType),
              let j = try? JSON.parse(body), let kind = j["kind"]?.string, let apiVersion = j["apiVersion"]?.string
        else { return reply }
        let bytes: [UInt8]
        do {
            if kind.hasSuffix("List"), let items = j["items"]?.array {
                guard ProtobufBodies.canEncode(apiVersion: apiVersion, kind: String(kind.dropLast(4))) else { return reply }
                bytes = try ProtobufBodies.encodeList(apiVersion: apiVersion, kind: kind,
                                                      resourceVersion: j["metadata"]?["resourceVersion"]?.string ?? "",
                                                      continueToken: j["metadata"]?["continue"]?.string, items: items)
            } else {
                guard ProtobufBodies.canEncode(apiVersion: apiVersion, kind: kind) else { return reply }
                bytes = try ProtobufBodies.encode(j)
            }
        } catch {
            return reply  // a field kubesim's schema lacks: the JSON says it all
        }
        return .full(status: status, headers: [("Content-Type", ProtobufBodies.contentType)] + headers.filter { $0.0 != "Content-Type" },
                     body: bytes)
    }

    func writeOptions(_ req: APIRequest) throws -> WriteOptions {
        var o = WriteOptions()
        o.dryRun = try req.dryRun()
        o.fieldManager = req.query["fieldManager"]
            ?? req.header("User-Agent").map { String($0.split(separator: "/").first ?? "unknown") } ?? "unknown"
        if let v = req.query["fieldValidation"] { o.fieldValidation = v }
        o.admit = req.attributes.flatMap(authorizer.ownerReferenceAdmission)
        return o
    }

    func selectors(_ req: APIRequest, _ t: ResourceType) throws -> (LabelSelector, FieldSelector?) {
        let l = try LabelSelector(parsing: req.query["labelSelector"] ?? "")
        let f = try req.query["fieldSelector"].flatMap { $0.isEmpty ? nil : try FieldSelector(parsing: $0, for: t) }
        return (l, f)
    }

    func body(_ req: APIRequest) throws -> JSON {
        guard !req.body.isEmpty else { throw APIError.badRequest("the request body is empty") }
        if (req.header("Content-Type") ?? "").contains("protobuf") {
            return try ProtobufBodies.decode(req.body)
        }
        do {
            return try JSON.parse(req.body)
        } catch {
            let ct = req.header("Content-Type") ?? ""
            if ct.contains("yaml"), let text = String(bytes: req.body, encoding: .utf8), let y = try? Yams.load(yaml: text) {
                return YAMLBridge.json(from: y)
            }
            throw APIError.badRequest("the request body is not valid JSON: \(error)")
        }
    }

    /// Table, PartialObjectMetadata or plain JSON, from the Accept header.
    enum Rendering { case plain, table(include: String), partial }

    func rendering(_ req: APIRequest) -> Rendering {
        let accept = req.header("Accept") ?? ""
        if accept.contains("as=Table") { return .table(include: req.query["includeObject"] ?? "Metadata") }
        if accept.contains("as=PartialObjectMetadata") { return .partial }
        return .plain
    }

    func perform(_ req: APIRequest, _ t: ResourceType, namespace: String?, ns: String, name: String?, sub: String?,
                 watch: Bool) throws -> APIReply
    {
        let render = rendering(req)
        if sub == "scale", let name {
            return try ScaleSubresource(store: store).perform(req, t, namespace: ns, name: name, options: try writeOptions(req),
                                                          body: { try body(req) })
        }
        switch (req.method, name) {
        case ("GET", _) where watch:
            var (labels, fields) = try selectors(req, t)
            if let name {
                let byName = try FieldSelector(parsing: "metadata.name=\(name)", for: t)
                fields = FieldSelector(terms: (fields?.terms ?? []) + byName.terms)
            }
            return try startWatch(req, t, namespace: namespace, labels: labels, fields: fields, render: render)
        case ("GET", let name?):
            let o = try store.get(t, namespace: ns, name: name)
            switch render {
            case .table(let include): return .json(200, TableConverter.table(t, [o], include: include, listMeta: ["resourceVersion": .string(ObjectMeta.resourceVersion(o))]))
            case .partial: return .json(200, TableConverter.partial(o))
            case .plain: return .json(200, o)
            }
        case ("GET", nil):
            let (labels, fields) = try selectors(req, t)
            let limit = try req.integer("limit")
            try checkListResourceVersion(req)
            let page = try store.list(t, namespace: namespace, labels: labels, fields: fields, limit: limit,
                                      continueToken: req.query["continue"])
            var meta: JSON = ["resourceVersion": .string(String(page.resourceVersion))]
            if let c = page.continueToken { meta["continue"] = .string(c) }
            if let r = page.remaining { meta["remainingItemCount"] = .int(Int64(r)) }
            switch render {
            case .table(let include): return .json(200, TableConverter.table(t, page.items, include: include, listMeta: meta))
            case .partial:
                return .json(200, ["kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                                   "items": .array(page.items.map(TableConverter.partial))])
            case .plain:
                return .json(200, ["kind": .string(t.listKind), "apiVersion": .string(t.apiVersion), "metadata": meta,
                                   "items": .array(page.items)])
            }
        case ("POST", nil):
            let r = try store.create(t, namespace: ns, body: try body(req), options: try writeOptions(req))
            return .json(201, r.object, headers: warnings(r.warnings))
        case ("PUT", let name?):
            let r = try store.update(t, namespace: ns, name: name, body: try body(req), subresource: sub == "finalize" ? nil : sub,
                                     options: try writeOptions(req))
            return .json(200, r.object, headers: warnings(r.warnings))
        case ("PATCH", let name?):
            let ct = (req.header("Content-Type") ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let pt = ObjectStore.PatchType(rawValue: ct) else {
                throw APIError(code: 415, reason: "UnsupportedMediaType",
                               message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
            }
            var opts = try writeOptions(req)
            if pt == .apply && req.query["fieldManager"] == nil {
                throw APIError.badRequest("PATCH with content type apply-patch+yaml requires the fieldManager parameter")
            }
            if pt == .apply { opts.fieldManager = req.query["fieldManager"]! }
            let r = try store.patch(t, namespace: ns, name: name, type: pt, patch: try body(req), subresource: sub,
                                    force: req.flag("force"), options: opts)
            return .json(r.created ? 201 : 200, r.object, headers: warnings(r.warnings))
        case ("DELETE", let name?):
            let opts = req.body.isEmpty ? JSON.object([:]) : (try? body(req)) ?? [:]
            let policy = req.query["propagationPolicy"] ?? opts["propagationPolicy"]?.string
            let pre = ObjectStore.DeletePreconditions(uid: opts["preconditions"]?["uid"]?.string,
                                                      resourceVersion: opts["preconditions"]?["resourceVersion"]?.string)
            let prop = try policy.map { p -> ObjectStore.Propagation in
                guard let v = ObjectStore.Propagation(rawValue: p) else {
                    throw APIError.badRequest("propagationPolicy \"\(p)\" is not one of Orphan, Background, Foreground")
                }
                return v
            }
            let o = try store.delete(t, namespace: ns, name: name, propagation: prop, preconditions: pre,
                                     dryRun: try req.dryRun(body: opts))
            return .json(200, o)
        case ("DELETE", nil):
            let (labels, fields) = try selectors(req, t)
            let opts = req.body.isEmpty ? JSON.object([:]) : (try? body(req)) ?? [:]
            let gone = try store.deleteCollection(t, namespace: namespace, labels: labels, fields: fields,
                                                  dryRun: try req.dryRun(body: opts))
            return .json(200, ["kind": .string(t.listKind), "apiVersion": .string(t.apiVersion), "metadata": [:],
                               "items": .array(gone)])
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    /// `resourceVersion` with `resourceVersionMatch` on a list, checked as the
    /// real server does. kubesim keeps no history of lists, so an `Exact` read
    /// of any but the current version is answered as if it were compacted (410).
    func checkListResourceVersion(_ req: APIRequest) throws {
        guard let match = req.query["resourceVersionMatch"], !match.isEmpty else { return }
        guard ["Exact", "NotOlderThan"].contains(match) else {
            throw APIError.badRequest("resourceVersionMatch: Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\"")
        }
        guard let rv = req.query["resourceVersion"], !rv.isEmpty else {
            throw APIError.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
        }
        guard let wanted = Int64(rv) else { throw APIError.badRequest("resourceVersion: Invalid value: \"\(rv)\": must be an integer") }
        let current = store.currentResourceVersion
        if match == "Exact" {
            if wanted == 0 {
                throw APIError.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"")
            }
            if wanted < current { throw APIError.gone("The resourceVersion for the provided list is too old.") }
        }
        if wanted > current { throw APIError.tooLargeResourceVersion(wanted, current: current) }
    }

    func warnings(_ w: [String]) -> [(String, String)] {
        w.map { ("Warning", "299 - \"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"") }
    }

    func startWatch(_ req: APIRequest, _ t: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector?,
                    render: Rendering) throws -> APIReply
    {
        let rv = req.query["resourceVersion"]
        let store = self.store
        let (id, events): (Int, AsyncStream<WatchEvent>)
        do {
            (id, events) = try store.watch(t, namespace: namespace, labels: labels, fields: fields, resourceVersion: rv)
        } catch let e as APIError where e.code == 410 {
            // The API server answers an expired resourceVersion with an ERROR event.
            let (s, c) = AsyncStream<WatchEvent>.makeStream()
            c.yield(WatchEvent(type: "ERROR", object: e.status))
            c.finish()
            return .watch(WatchStream(events: s, timeout: nil, bookmarkInterval: nil, bookmark: {}, render: { $0.line }, stop: {}))
        }
        let timeout = try req.integer("timeoutSeconds").map { Duration.seconds($0) }
        let wantsBookmarks = req.flag("allowWatchBookmarks")
        let kind = t.kind, apiVersion = t.apiVersion
        let renderer: @Sendable (WatchEvent) -> [UInt8]
        switch render {
        case .table(let include):
            renderer = { e in
                guard e.type != "BOOKMARK" && e.type != "ERROR" else { return e.line }
                return WatchEvent(type: e.type, object: TableConverter.table(
                    t, [e.object], include: include,
                    listMeta: ["resourceVersion": .string(ObjectMeta.resourceVersion(e.object))], withColumns: false)).line
            }
        case .partial:
            renderer = { e in e.type == "BOOKMARK" ? e.line : WatchEvent(type: e.type, object: TableConverter.partial(e.object)).line }
        case .plain:
            renderer = { $0.line }
        }
        return .watch(WatchStream(
            events: events, timeout: timeout, bookmarkInterval: wantsBookmarks ? bookmarkInterval : nil,
            bookmark: { store.bookmark(id, kind: kind, apiVersion: apiVersion) }, render: renderer,
            stop: { store.stopWatch(id) }))
    }
}

extension FieldSelector {
    init(terms: [Term]) { self.terms = terms }
}
