import Foundation

/// What a list-watch loop reports: a full list (first, and after every
/// relist), then the changes after it.
public enum ListWatchEvent<T: Sendable>: Sendable {
    case listed([T], resourceVersion: String)
    case event(WatchEvent<T>)
}

/// Keeps a watch going for as long as it is iterated: lists, watches from the
/// list's resourceVersion, resumes from the last seen resourceVersion when a
/// watch ends or breaks (backing off with jitter on failures), and relists
/// when the server says 410 Gone or that it has not reached the
/// resourceVersion (a server whose data was reset). It never gives up: only
/// cancelling the iteration ends it.
public struct ListWatcher<T: Decodable & Sendable>: Sendable {
    public let client: KubeClient
    public let resource: ResourceInfo
    public let namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    public var watchTimeoutSeconds = 300

    public init(client: KubeClient, resource: ResourceInfo, namespace: String? = nil, labelSelector: String? = nil,
                fieldSelector: String? = nil)
    {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    public func events() -> AsyncThrowingStream<ListWatchEvent<T>, Error> {
        let me = self
        return AsyncThrowingStream { cont in
            let task = Task { await me.run(cont) }
            cont.onTermination = { _ in task.cancel() }
        }
    }

    func run(_ cont: AsyncThrowingStream<ListWatchEvent<T>, Error>.Continuation) async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        var rv: String? = nil
        while !Task.isCancelled {
            do {
                if rv == nil {
                    let (items, listRV) = try await client.listAll(resource, namespace: namespace, labelSelector: labelSelector,
                                                                   fieldSelector: fieldSelector, as: T.self)
                    cont.yield(.listed(items, resourceVersion: listRV))
                    rv = listRV
                }
                var opts = KubeClient.WatchOptions()
                opts.labelSelector = labelSelector
                opts.fieldSelector = fieldSelector
                opts.resourceVersion = rv
                opts.timeoutSeconds = watchTimeoutSeconds
                let started = ContinuousClock.now
                var seen = false
                for try await e in try await client.watch(resource, namespace: namespace, options: opts, as: T.self) {
                    seen = true
                    switch e {
                    case .bookmark(let v): if !v.isEmpty { rv = v }
                    case .added(let o), .modified(let o), .deleted(let o):
                        if let v = ListWatcher.resourceVersion(of: o) { rv = v }
                    }
                    cont.yield(.event(e))
                    backoff.reset()
                }
                // The server ended the watch (timeout or restart): resume from rv — at once after a
                // watch that lived, after a backoff when it ended straight away (a server going down).
                if !seen, ContinuousClock.now - started < .seconds(1) { try await Task.sleep(for: backoff.next()) }
            } catch let e as KubeError where e.reason == .gone {
                rv = nil
            } catch let e as KubeError where e.isResourceVersionTooLarge {
                // The server is behind what it listed (its data was reset): relist, after a backoff.
                rv = nil
                try? await Task.sleep(for: backoff.next())
            } catch is CancellationError {
                break
            } catch {
                // Everything else is retried, as client-go's reflector does: a server
                // down or refusing our token (the client re-reads it), RBAC not yet
                // granted, a CRD not yet installed. The client's `health` says why.
                // A refused connection costs a server nothing, so those retries are
                // capped lower, and any request of this client getting through wakes them.
                var wait = backoff.next()
                if let e = error as? KubeError, e.reason == .transport { wait = min(wait, .seconds(5)) }
                try? await client.health.sleep(for: wait)
            }
        }
        cont.finish()
    }

    static func resourceVersion(of o: T) -> String? {
        if let k = o as? any KubeResource { return k.metadata.resourceVersion }
        if let d = o as? DynamicObject { return d.resourceVersion }
        return nil
    }
}
