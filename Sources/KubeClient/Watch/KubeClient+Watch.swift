import Foundation
import NIOCore

extension KubeClient {
    /// Options of one watch request.
    public struct WatchOptions: Sendable {
        public var labelSelector: String?
        public var fieldSelector: String?
        public var resourceVersion: String?
        public var allowBookmarks = true
        /// The server ends the watch after this; the client waits a little longer.
        public var timeoutSeconds = 300
        public init() {}
    }

    /// One watch request. The stream ends when the server ends the response;
    /// an ERROR event (e.g. 410 Gone) is thrown as a `KubeError`.
    public func watch<T: Decodable & Sendable>(_ r: ResourceInfo, namespace: String? = nil, options: WatchOptions = WatchOptions(),
                                               as: T.Type = T.self) async throws -> AsyncThrowingStream<WatchEvent<T>, Error>
    {
        var q: [(String, String)] = [("watch", "true"), ("timeoutSeconds", String(options.timeoutSeconds))]
        if options.allowBookmarks { q.append(("allowWatchBookmarks", "true")) }
        if let rv = options.resourceVersion, !rv.isEmpty { q.append(("resourceVersion", rv)) }
        if let l = options.labelSelector, !l.isEmpty { q.append(("labelSelector", l)) }
        if let f = options.fieldSelector, !f.isEmpty { q.append(("fieldSelector", f)) }
        let resp = try await stream(r.path(namespace: namespace), query: q, deadline: TimeAmount.seconds(Int64(options.timeoutSeconds) + 30))
        return AsyncThrowingStream { cont in
            let task = Task {
                var decoder = WatchLineDecoder()
                do {
                    for try await chunk in resp.body {
                        for line in decoder.feed(chunk.readableBytesView) { cont.yield(try WatchEvent<T>.decode(line)) }
                    }
                    if let last = decoder.finish() { cont.yield(try WatchEvent<T>.decode(last)) }
                    cont.finish()
                } catch {
                    cont.finish(throwing: error is KubeError ? error : KubeError.transport("watch of \(r.plural) broke: \(error)"))
                }
            }
            cont.onTermination = { _ in task.cancel() }
        }
    }
}
