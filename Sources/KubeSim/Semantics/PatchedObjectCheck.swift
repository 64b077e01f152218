import Foundation

/// What a patch may not do to an object, checked on the patched result before
/// anything is stored: make the root something other than an object, or
/// remove or replace `metadata`, `kind` or `apiVersion`. Each is refused with
/// 422 Invalid naming the field, and the stored object is left as it was.
enum PatchedObjectCheck {
    static func check(_ new: JSON, old: JSON, _ t: ResourceType, name: String) throws {
        guard case .object(let o) = new else {
            throw APIError.invalid(t, name, [APIError.Cause(
                field: "<root>", reason: "FieldValueTypeInvalid",
                message: "Invalid value: the patched object is \(describe(new)), not a JSON object")])
        }
        var causes: [APIError.Cause] = []
        if case .object? = o["metadata"] {} else {
            causes.append(APIError.Cause(field: "metadata", reason: "FieldValueRequired",
                                         message: "Required value: a patch may not remove or replace metadata"))
        }
        for field in ["kind", "apiVersion"] {
            let served = field == "kind" ? t.kind : t.apiVersion
            let was = old[field]?.string ?? served
            guard let now = o[field]?.string else {
                causes.append(APIError.Cause(field: field, reason: "FieldValueRequired",
                                             message: "Required value: a patch may not remove \(field)"))
                continue
            }
            if now != was && now != served {
                causes.append(APIError.Cause(field: field, reason: "FieldValueInvalid",
                                             message: "Invalid value: \"\(now)\": a patch may not change \(field) (it is \"\(was)\")"))
            }
        }
        if !causes.isEmpty { throw APIError.invalid(t, name, causes) }
    }

    private static func describe(_ j: JSON) -> String {
        switch j {
        case .array: return "an array"
        case .string: return "a string"
        case .null: return "null"
        case .bool: return "a boolean"
        default: return "a number"
        }
    }
}
