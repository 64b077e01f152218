import Foundation

/// Reads the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the
/// built-in kinds kubectl's generator commands send that way (`kubectl create
/// namespace|configmap|secret|serviceaccount|token|role|clusterrole|rolebinding|clusterrolebinding`).
/// Any other kind is refused with 415, which names what to send instead.
enum ProtobufBodies {
    indirect enum Field {
        case string(String), bytes(String), int(String), bool(String), time(String)
        case message(String, [Int: Field]), repeatedString(String), repeatedMessage(String, [Int: Field])
        case stringMap(String), bytesMap(String)
    }

    static let ownerReference: [Int: Field] = [
        1: .string("kind"), 3: .string("name"), 4: .string("uid"), 5: .string("apiVersion"),
        6: .bool("controller"), 7: .bool("blockOwnerDeletion"),
    ]
    static let objectMeta: [Int: Field] = [
        1: .string("name"), 2: .string("generateName"), 3: .string("namespace"), 5: .string("uid"),
        6: .string("resourceVersion"), 7: .int("generation"), 8: .time("creationTimestamp"),
        11: .stringMap("labels"), 12: .stringMap("annotations"),
        13: .repeatedMessage("ownerReferences", ownerReference), 14: .repeatedString("finalizers"),
    ]
    static let labelSelector: [Int: Field] = [
        1: .stringMap("matchLabels"),
        2: .repeatedMessage("matchExpressions", [1: .string("key"), 2: .string("operator"), 3: .repeatedString("values")]),
    ]
    static let policyRule: [Int: Field] = [
        1: .repeatedString("verbs"), 2: .repeatedString("apiGroups"), 3: .repeatedString("resources"),
        4: .repeatedString("resourceNames"), 5: .repeatedString("nonResourceURLs"),
    ]
    static let subject: [Int: Field] = [1: .string("kind"), 2: .string("apiGroup"), 3: .string("name"), 4: .string("namespace")]
    static let roleRef: [Int: Field] = [1: .string("apiGroup"), 2: .string("kind"), 3: .string("name")]

    /// By apiVersion and kind.
    static let kinds: [String: [Int: Field]] = [
        "authentication.k8s.io/v1 TokenRequest": [
            1: .message("metadata", objectMeta),
            2: .message("spec", [1: .repeatedString("audiences"), 4: .int("expirationSeconds"),
                                 3: .message("boundObjectRef", [1: .string("kind"), 2: .string("apiVersion"), 3: .string("name"), 4: .string("uid")])]),
        ],
        "rbac.authorization.k8s.io/v1 Role": [1: .message("metadata", objectMeta), 2: .repeatedMessage("rules", policyRule)],
        "rbac.authorization.k8s.io/v1 ClusterRole": [
            1: .message("metadata", objectMeta), 2: .repeatedMessage("rules", policyRule),
            3: .message("aggregationRule", [1: .repeatedMessage("clusterRoleSelectors", labelSelector)]),
        ],
        "rbac.authorization.k8s.io/v1 RoleBinding": [
            1: .message("metadata", objectMeta), 2: .repeatedMessage("subjects", subject), 3: .message("roleRef", roleRef),
        ],
        "rbac.authorization.k8s.io/v1 ClusterRoleBinding": [
            1: .message("metadata", objectMeta), 2: .repeatedMessage("subjects", subject), 3: .message("roleRef", roleRef),
        ],
        "v1 Namespace": [1: .message("metadata", objectMeta), 2: .message("spec", [1: .repeatedString("finalizers")]),
                      3: .message("status", [1: .string("phase")])],
        "v1 ConfigMap": [1: .message("metadata", objectMeta), 2: .stringMap("data"), 3: .bytesMap("binaryData"),
                      4: .bool("immutable")],
        "v1 Secret": [1: .message("metadata", objectMeta), 2: .bytesMap("data"), 3: .string("type"),
                   4: .stringMap("stringData"), 5: .bool("immutable")],
        "v1 ServiceAccount": [1: .message("metadata", objectMeta),
                           2: .repeatedMessage("secrets", [1: .string("kind"), 2: .string("namespace"), 3: .string("name")]),
                           3: .repeatedMessage("imagePullSecrets", [1: .string("name")]),
                           4: .bool("automountServiceAccountToken")],
    ]

    static func unsupported(_ what: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "kubesim reads protobuf bodies only for \(kinds.keys.sorted().map { $0.split(separator: " ").last.map(String.init) ?? $0 }.joined(separator: ", ")) (\(what)); send JSON, e.g. kubectl apply -f or kubectl create -f")
    }

    static func decode(_ body: [UInt8]) throws -> JSON {
        guard body.count >= 4, Array(body[0..<4]) == [0x6b, 0x38, 0x73, 0x00] else { throw unsupported("no k8s protobuf envelope") }
        var r = Reader(bytes: Array(body[4...]))
        var apiVersion = "", kind = ""
        var raw: [UInt8] = []
        while let (num, wire) = try r.key() {
            switch (num, wire) {
            case (1, 2):
                var t = Reader(bytes: try r.lengthDelimited())
                while let (n, w) = try t.key() {
                    if w == 2, n == 1 { apiVersion = String(decoding: try t.lengthDelimited(), as: UTF8.self) }
                    else if w == 2, n == 2 { kind = String(decoding: try t.lengthDelimited(), as: UTF8.self) }
                    else { try t.skip(w) }
                }
            case (2, 2): raw = try r.lengthDelimited()
            default: try r.skip(wire)
            }
        }
        guard let schema = kinds["\(apiVersion) \(kind)"] else { throw unsupported("got \(kind.isEmpty ? "an unnamed kind" : kind)") }
        var o = try message(raw, schema)
        o["apiVersion"] = .string(apiVersion)
        o["kind"] = .string(kind)
        return o
    }

    static func message(_ bytes: [UInt8], _ schema: [Int: Field]) throws -> JSON {
        var r = Reader(bytes: bytes)
        var o: [String: JSON] = [:]
        while let (num, wire) = try r.key() {
            guard let f = schema[num] else { try r.skip(wire); continue }
            switch f {
            // Go writes empty strings, zeros and false too; JSON would omit them.
            case .string(let n):
                let v = String(decoding: try r.lengthDelimited(), as: UTF8.self)
                if !v.isEmpty { o[n] = .string(v) }
            case .bytes(let n): o[n] = .string(Data(try r.lengthDelimited()).base64EncodedString())
            case .int(let n):
                let v = Int64(bitPattern: try r.varint())
                if v != 0 { o[n] = .int(v) }
            case .bool(let n):
                if try r.varint() != 0 { o[n] = .bool(true) }
            case .time(let n):
                let t = try message(try r.lengthDelimited(), [1: .int("s")])
                if let s = t["s"]?.int, s > 0 {
                    let f = ISO8601DateFormatter()
                    o[n] = .string(f.string(from: Date(timeIntervalSince1970: TimeInterval(s))))
                }
            case .message(let n, let sub): o[n] = try message(try r.lengthDelimited(), sub)
            case .repeatedString(let n):
                o[n] = .array((o[n]?.array ?? []) + [.string(String(decoding: try r.lengthDelimited(), as: UTF8.self))])
            case .repeatedMessage(let n, let sub):
                o[n] = .array((o[n]?.array ?? []) + [try message(try r.lengthDelimited(), sub)])
            case .stringMap(let n), .bytesMap(let n):
                let isBytes: Bool
                if case .bytesMap = f { isBytes = true } else { isBytes = false }
                var e = Reader(bytes: try r.lengthDelimited())
                var key = "", value: JSON = .string("")
                while let (en, ew) = try e.key() {
                    if en == 1, ew == 2 { key = String(decoding: try e.lengthDelimited(), as: UTF8.self) }
                    else if en == 2, ew == 2 {
                        let v = try e.lengthDelimited()
                        value = .string(isBytes ? Data(v).base64EncodedString() : String(decoding: v, as: UTF8.self))
                    } else { try e.skip(ew) }
                }
                var m = o[n]?.object ?? [:]
                m[key] = value
                o[n] = .object(m)
            }
        }
        return .object(o)
    }

    /// Protocol buffer wire format, just enough to walk messages.
    struct Reader {
        let bytes: [UInt8]
        var i = 0

        static let truncated = APIError.badRequest("the protobuf body is truncated")

        mutating func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                v |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
                if shift > 63 { break }
            }
            throw Reader.truncated
        }

        mutating func key() throws -> (Int, UInt8)? {
            guard i < bytes.count else { return nil }
            let k = try varint()
            return (Int(k >> 3), UInt8(k & 7))
        }

        mutating func lengthDelimited() throws -> [UInt8] {
            let n = Int(try varint())
            guard n >= 0, i + n <= bytes.count else { throw Reader.truncated }
            defer { i += n }
            return Array(bytes[i..<(i + n)])
        }

        mutating func skip(_ wire: UInt8) throws {
            switch wire {
            case 0: _ = try varint()
            case 1: i += 8
            case 2: _ = try lengthDelimited()
            case 5: i += 4
            default: throw APIError.badRequest("the protobuf body has an unknown wire type \(wire)")
            }
            if i > bytes.count { throw Reader.truncated }
        }
    }
}
