import Foundation

/// Renders objects as a `meta.k8s.io/v1` Table, which `kubectl get` asks for:
/// the name, the CRD's additionalPrinterColumns (or Age), each row with the
/// object's metadata.
enum TableConverter {
    static func columns(_ t: ResourceType) -> [JSON] {
        var cols: [JSON] = [["name": "Name", "type": "string", "format": "name", "priority": 0,
                             "description": "Name must be unique within a namespace."]]
        if t.printerColumns.isEmpty {
            cols.append(["name": "Age", "type": "date", "format": "", "priority": 0,
                         "description": "CreationTimestamp is a timestamp representing the server time when this object was created."])
        } else {
            for c in t.printerColumns {
                cols.append(["name": c["name"] ?? "", "type": c["type"] ?? "string", "format": c["format"] ?? "",
                             "description": c["description"] ?? "", "priority": c["priority"] ?? 0])
            }
        }
        return cols
    }

    static func cells(_ t: ResourceType, _ o: JSON) -> [JSON] {
        var cells: [JSON] = [.string(ObjectMeta.name(o))]
        if t.printerColumns.isEmpty {
            cells.append(.string(age(o["metadata"]?["creationTimestamp"]?.string)))
            return cells
        }
        for c in t.printerColumns {
            let v = SimpleJSONPath(c["jsonPath"]?.string ?? "").evaluate(o)
            switch (c["type"]?.string ?? "string", v) {
            case (_, nil), (_, .null?): cells.append(.null)
            case ("date", .string(let s)?): cells.append(.string(age(s)))
            case ("integer", let x?) where x.int != nil: cells.append(.int(x.int!))
            case ("number", let x?) where x.number != nil: cells.append(.double(x.number!))
            case ("boolean", .bool(let b)?): cells.append(.bool(b))
            case (_, .string(let s)?): cells.append(.string(s))
            case (_, let x?): cells.append(.string(x.text))
            }
        }
        return cells
    }

    static func row(_ t: ResourceType, _ o: JSON, include: String) -> JSON {
        var r: JSON = ["cells": .array(cells(t, o))]
        switch include {
        case "None": break
        case "Object": r["object"] = o
        default: r["object"] = partial(o)
        }
        return r
    }

    static func partial(_ o: JSON) -> JSON {
        ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"] ?? [:]]
    }

    static func table(_ t: ResourceType, _ items: [JSON], include: String, listMeta: JSON, withColumns: Bool = true) -> JSON {
        var j: JSON = ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMeta,
                       "rows": .array(items.map { row(t, $0, include: include) })]
        j["columnDefinitions"] = withColumns ? .array(columns(t)) : .null
        return j
    }

    /// Go's duration.HumanDuration, used for Age cells.
    static func age(_ timestamp: String?) -> String {
        guard let timestamp, let d = ISO8601DateFormatter().date(from: timestamp) else { return "<unknown>" }
        let s = Int(Date().timeIntervalSince(d))
        if s < -1 { return "<invalid>" }
        if s < 0 { return "0s" }
        if s < 120 { return "\(s)s" }
        let m = s / 60
        if m < 10 { return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s" }
        if m < 180 { return "\(m)m" }
        let h = m / 60
        if h < 8 { return m % 60 == 0 ? "\(h)h" : "\(h)h\(m % 60)m" }
        if h < 48 { return "\(h)h" }
        if h < 24 * 8 { return h % 24 == 0 ? "\(h / 24)d" : "\(h / 24)d\(h % 24)h" }
        if h < 24 * 365 * 2 { return "\(h / 24)d" }
        return "\(h / 24 / 365)y"
    }
}
