import Foundation

/// One event from a watch.
public enum WatchEvent<T: Sendable>: Sendable {
    case added(T)
    case modified(T)
    case deleted(T)
    /// The server has sent everything up to this resourceVersion.
    case bookmark(resourceVersion: String)

    /// Decodes one watch line; an ERROR event becomes the `KubeError` it carries.
    static func decode(_ line: [UInt8]) throws -> WatchEvent<T> where T: Decodable {
        let data = Data(line)
        let head = try JSONDecoder().decode(WatchLineHead.self, from: data)
        switch head.type {
        case "ADDED", "MODIFIED", "DELETED":
            let obj = try JSONDecoder().decode(WatchLineBody<T>.self, from: data).object
            return head.type == "ADDED" ? .added(obj) : head.type == "MODIFIED" ? .modified(obj) : .deleted(obj)
        case "BOOKMARK":
            let b = try? JSONDecoder().decode(WatchLineBody<BookmarkObject>.self, from: data)
            return .bookmark(resourceVersion: b?.object.metadata.resourceVersion ?? "")
        case "ERROR":
            let status = (try? JSONDecoder().decode(WatchLineBody<AnyJSON>.self, from: data))?.object
            let bytes = (try? JSONEncoder().encode(status ?? .null)).map(Array.init) ?? []
            var code = 500
            if case .number(let n)? = status?["code"] { code = Int(n) }
            throw KubeError.from(status: code, body: bytes, retryAfterHeader: nil)
        default:
            throw KubeError(reason: .other(0), code: 0, message: "unknown watch event type \(head.type)")
        }
    }
}

struct WatchLineHead: Decodable { var type: String }
struct WatchLineBody<O: Decodable>: Decodable { var object: O }
struct BookmarkObject: Decodable { var metadata: ListMeta }
