import Foundation

/// The Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`:
/// the `k8s\0` magic, then a runtime.Unknown holding apiVersion, kind and the
/// object's bytes) for the built-in kinds `KubeProto.kinds` lists, read into
/// JSON and written from it by walking `KubeProtoSchema`. A field number the
/// schema does not know is refused, not dropped: the client meant something
/// kubesim would otherwise lose without a word.
enum ProtobufBodies {
    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]
    static let contentType = "application/vnd.kubernetes.protobuf"

    static func unsupported(_ what: String) -> APIError {
        let names = Set(KubeProto.kinds.keys.compactMap { $0.split(separator: " ").last.map(String.init) }).sorted()
        return APIError(code: 415, reason: "UnsupportedMediaType",
                        message: "kubesim reads protobuf bodies only for \(names.joined(separator: ", ")) (\(what)); send JSON, e.g. kubectl apply -f or kubectl create -f")
    }

    /// Whether kubesim can answer this object in protobuf.
    static func canEncode(apiVersion: String, kind: String) -> Bool {
        KubeProto.kinds["\(apiVersion) \(kind)"] != nil
    }

    // MARK: - Reading

    static func decode(_ body: [UInt8]) throws -> JSON {
        guard body.count >= 4, Array(body[0..<4]) == magic else { throw unsupported("no k8s protobuf envelope") }
        var r = Reader(bytes: Array(body[4...]))
        var apiVersion = "", kind = ""
        var raw: [UInt8] = []
        while let (num, wire) = try r.key() {
            switch (num, wire) {
            case (1, 2):
                var t = Reader(bytes: try r.lengthDelimited())
                while let (n, w) = try t.key() {
                    if w == 2, n == 1 { apiVersion = try t.string() } else if w == 2, n == 2 { kind = try t.string() } else { try t.skip(w) }
                }
            case (2, 2): raw = try r.lengthDelimited()
            default: try r.skip(wire)
            }
        }
        guard let name = kind == "DeleteOptions" ? kind : KubeProto.kinds["\(apiVersion) \(kind)"] else {
            throw unsupported("got \(kind.isEmpty ? "an unnamed kind" : "\(apiVersion) \(kind)")")
        }
        var o = try object(raw, name, path: kind)
        o["apiVersion"] = .string(apiVersion)
        o["kind"] = .string(kind)
        return .object(o)
    }

    static func object(_ bytes: [UInt8], _ messageName: String, path: String) throws -> [String: JSON] {
        guard let m = KubeProtoSchema.shared.messages[messageName] else { throw APIError(code: 500, reason: "InternalError", message: "no protobuf message \(messageName)") }
        var r = Reader(bytes: bytes)
        var o: [String: JSON] = [:]
        while let (num, wire) = try r.key() {
            guard let f = m.fields[num] else {
                throw unsupported("field \(num) of \(messageName) at \(path) is not one kubesim knows")
            }
            let at = "\(path).\(f.name)"
            if let valueType = f.mapValue {
                guard wire == 2 else { throw wrongWire(at) }
                var e = Reader(bytes: try r.lengthDelimited())
                var key = ""
                var value: JSON?
                while let (en, ew) = try e.key() {
                    if en == 1, ew == 2 { key = try e.string() } else if en == 2 { value = try self.value(ew, &e, valueType, at: "\(at)[\(key)]") } else { try e.skip(ew) }
                }
                var map = o[f.name]?.object ?? [:]
                map[key] = try value ?? zeroValue(valueType, at: at)
                o[f.name] = .object(map)
                continue
            }
            if f.repeated, case .scalar(let s) = f.type, s != .string, s != .bytes, wire == 2 {
                var packed = Reader(bytes: try r.lengthDelimited())
                var items = o[f.name]?.array ?? []
                while !packed.atEnd { items.append(try value(0, &packed, f.type, at: at)) }
                o[f.name] = .array(items)
                continue
            }
            let v = try value(wire, &r, f.type, at: at)
            if f.repeated {
                o[f.name] = .array((o[f.name]?.array ?? []) + [v])
            } else if f.inline {
                for (k, x) in v.object ?? [:] { o[k] = x }
            } else if v == .null ? f.always : (!isZero(v) || f.keepsZero) {
                o[f.name] = v
            } else {
                o[f.name] = nil
            }
        }
        return o
    }

    static func value(_ wire: UInt8, _ r: inout Reader, _ type: KubeProtoSchema.ValueType, at: String) throws -> JSON {
        switch type {
        case .scalar(let s):
            switch s {
            case .string:
                guard wire == 2 else { throw wrongWire(at) }
                return .string(try r.string())
            case .bytes:
                guard wire == 2 else { throw wrongWire(at) }
                return .string(Data(try r.lengthDelimited()).base64EncodedString())
            case .int64:
                guard wire == 0 else { throw wrongWire(at) }
                return .int(Int64(bitPattern: try r.varint()))
            case .int32:
                guard wire == 0 else { throw wrongWire(at) }
                return .int(Int64(Int32(truncatingIfNeeded: Int64(bitPattern: try r.varint()))))
            case .bool:
                guard wire == 0 else { throw wrongWire(at) }
                return .bool(try r.varint() != 0)
            }
        case .message(let name):
            guard wire == 2 else { throw wrongWire(at) }
            let bytes = try r.lengthDelimited()
            switch name {
            case "Time", "MicroTime":
                let t = try object(bytes, name, path: at)
                let seconds = t["seconds"]?.int ?? 0, nanos = t["nanos"]?.int ?? 0
                if seconds == 0 && nanos == 0 { return .null }
                return .string(RFC3339.format(seconds: seconds, nanos: Int32(nanos), micro: name == "MicroTime"))
            case "Quantity":
                let q = try object(bytes, name, path: at)["string"]?.string ?? ""
                return .string(q.isEmpty ? "0" : q)
            case "IntOrString":
                let v = try object(bytes, name, path: at)
                return v["type"]?.int == 1 ? .string(v["strVal"]?.string ?? "") : .int(v["intVal"]?.int ?? 0)
            case "FieldsV1", "RawExtension":
                var inner = Reader(bytes: bytes)
                var raw: [UInt8] = []
                while let (n, w) = try inner.key() { if n == 1, w == 2 { raw = try inner.lengthDelimited() } else { try inner.skip(w) } }
                if raw.isEmpty { return .null }
                do { return try JSON.parse(raw) } catch { throw APIError.badRequest("\(at) holds bytes that are not JSON: \(error)") }
            default:
                return .object(try object(bytes, name, path: at))
            }
        }
    }

    static func zeroValue(_ type: KubeProtoSchema.ValueType, at: String) throws -> JSON {
        var empty = Reader(bytes: [0])  // a zero-length field
        switch type {
        case .scalar(.string), .scalar(.bytes): return .string("")
        case .scalar(.bool): return .bool(false)
        case .scalar: return .int(0)
        case .message: return try value(2, &empty, type, at: at)
        }
    }

    static func isZero(_ v: JSON) -> Bool {
        switch v {
        case .string(let s): return s.isEmpty
        case .int(let i): return i == 0
        case .bool(let b): return !b
        case .null: return true
        default: return false
        }
    }

    static func wrongWire(_ at: String) -> APIError {
        APIError.badRequest("the protobuf body's \(at) has the wrong wire type for its field")
    }

    // MARK: - Writing

    /// The envelope and bytes of an object whose kind `canEncode` accepts.
    static func encode(_ object: JSON) throws -> [UInt8] {
        let apiVersion = object["apiVersion"]?.string ?? "", kind = object["kind"]?.string ?? ""
        guard let name = KubeProto.kinds["\(apiVersion) \(kind)"] else { throw unsupported("cannot write \(apiVersion) \(kind)") }
        return envelope(apiVersion: apiVersion, kind: kind, raw: try message(object, name, path: kind))
    }

    /// `k8s\0` and the runtime.Unknown around an object's bytes.
    static func envelope(apiVersion: String, kind: String, raw: [UInt8]) -> [UInt8] {
        var typeMeta = Writer()
        typeMeta.bytes(1, Array(apiVersion.utf8))
        typeMeta.bytes(2, Array(kind.utf8))
        var unknown = Writer()
        unknown.bytes(1, typeMeta.out)
        unknown.bytes(2, raw)
        return magic + unknown.out
    }

    /// A list (`XList` with metadata 1 and items 2) of objects `canEncode` accepts.
    static func encodeList(apiVersion: String, kind: String, resourceVersion: String, continueToken: String?, items: [JSON]) throws -> [UInt8] {
        var meta = Writer()
        meta.bytes(2, Array(resourceVersion.utf8))
        if let c = continueToken, !c.isEmpty { meta.bytes(3, Array(c.utf8)) }
        var list = Writer()
        list.bytes(1, meta.out)
        for item in items {
            let name = KubeProto.kinds["\(item["apiVersion"]?.string ?? "") \(item["kind"]?.string ?? "")"] ?? ""
            list.bytes(2, try message(item, name, path: kind))
        }
        return envelope(apiVersion: apiVersion, kind: kind, raw: list.out)
    }

    static func message(_ json: JSON, _ messageName: String, path: String) throws -> [UInt8] {
        guard let m = KubeProtoSchema.shared.messages[messageName] else { throw unsupported("no message \(messageName) for \(path)") }
        let o = json.object ?? [:]
        var w = Writer()
        var used = Set<String>()
        for f in m.ordered {
            if f.inline, case .message(let sub) = f.type {
                let subFields = KubeProtoSchema.shared.messages[sub]?.byName ?? [:]
                var part: [String: JSON] = [:]
                for (k, v) in o where subFields[k] != nil { part[k] = v; used.insert(k) }
                w.bytes(f.number, try message(.object(part), sub, path: path))
                continue
            }
            guard let v = o[f.name], v != .null else { continue }
            used.insert(f.name)
            let at = "\(path).\(f.name)"
            if let valueType = f.mapValue {
                for (k, x) in (v.object ?? [:]).sorted(by: { $0.key < $1.key }) {
                    var e = Writer()
                    e.bytes(1, Array(k.utf8))
                    try e.value(2, x, valueType, at: "\(at)[\(k)]")
                    w.bytes(f.number, e.out)
                }
            } else if f.repeated {
                for x in v.array ?? [] { try w.value(f.number, x, f.type, at: at) }
            } else {
                try w.value(f.number, v, f.type, at: at)
            }
        }
        let dropped = Set(o.keys).subtracting(used).subtracting(["apiVersion", "kind"])
        if let first = dropped.sorted().first {
            throw unsupported("\(path).\(first) has no protobuf field in kubesim's schema")
        }
        return w.out
    }

    /// Protocol buffer wire format, just enough to walk messages.
    struct Reader {
        let bytes: [UInt8]
        var i = 0

        static let truncated = APIError.badRequest("the protobuf body is truncated")

        var atEnd: Bool { i >= bytes.count }

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
            let n = Int(truncatingIfNeeded: try varint())
            guard n >= 0, i + n <= bytes.count else { throw Reader.truncated }
            defer { i += n }
            return Array(bytes[i..<(i + n)])
        }

        mutating func string() throws -> String { String(decoding: try lengthDelimited(), as: UTF8.self) }

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

    /// The other direction: fields appended in the order they are written.
    struct Writer {
        var out: [UInt8] = []

        mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 { out.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }

        mutating func key(_ number: Int, _ wire: UInt8) { varint(UInt64(number) << 3 | UInt64(wire)) }

        mutating func bytes(_ number: Int, _ b: [UInt8]) {
            key(number, 2)
            varint(UInt64(b.count))
            out += b
        }

        mutating func int(_ number: Int, _ v: Int64) {
            key(number, 0)
            varint(UInt64(bitPattern: v))
        }

        mutating func value(_ number: Int, _ v: JSON, _ type: KubeProtoSchema.ValueType, at: String) throws {
            func bad(_ want: String) -> APIError { APIError(code: 500, reason: "InternalError", message: "\(at) is \(v.typeName), protobuf needs \(want)") }
            switch type {
            case .scalar(.string):
                guard let s = v.string else { throw bad("a string") }
                bytes(number, Array(s.utf8))
            case .scalar(.bytes):
                guard let s = v.string, let d = Data(base64Encoded: s) else { throw bad("base64 bytes") }
                bytes(number, Array(d))
            case .scalar(.bool):
                guard let b = v.bool else { throw bad("a boolean") }
                int(number, b ? 1 : 0)
            case .scalar(.int32), .scalar(.int64):
                guard let i = v.int else { throw bad("an integer") }
                int(number, i)
            case .message("Time"), .message("MicroTime"):
                guard let s = v.string, let t = RFC3339.parse(s) else { throw bad("an RFC 3339 time") }
                var m = Writer()
                m.int(1, t.seconds)
                if t.nanos != 0 || type == .message("MicroTime") { m.int(2, Int64(t.nanos)) }
                bytes(number, m.out)
            case .message("Quantity"):
                var m = Writer()
                switch v {
                case .string(let s): m.bytes(1, Array(s.utf8))
                case .int(let i): m.bytes(1, Array(String(i).utf8))
                default: throw bad("a quantity")
                }
                bytes(number, m.out)
            case .message("IntOrString"):
                var m = Writer()
                if let s = v.string { m.int(1, 1); m.bytes(3, Array(s.utf8)) } else if let i = v.int { m.int(1, 0); m.int(2, i) } else { throw bad("an integer or a string") }
                bytes(number, m.out)
            case .message("FieldsV1"), .message("RawExtension"):
                var m = Writer()
                m.bytes(1, v.serialized())
                bytes(number, m.out)
            case .message(let name):
                guard case .object = v else { throw bad("an object") }
                bytes(number, try ProtobufBodies.message(v, name, path: at))
            }
        }
    }
}
