/// Query parameters read as the real API server converts them into its
/// option structs (apimachinery's `Convert_Slice_string_To_*`): the first
/// value of a repeated parameter counts; a boolean is false only when absent
/// or `0` / `false` in any case, and true for anything else, even `?watch` or
/// `watch=True`; a number that does not parse is a 400 naming the parameter.
extension APIRequest {
    func flag(_ name: String) -> Bool {
        guard let v = query[name] else { return false }
        return !(v == "0" || v.lowercased() == "false")
    }

    func integer(_ name: String) throws -> Int? {
        guard let v = query[name] else { return nil }
        guard let n = Int(v) else {
            throw APIError.badRequest("\(name): invalid value \"\(v)\": the parameter must be an integer")
        }
        return n
    }

    /// `dryRun` of a write: only `All` exists; anything else is refused
    /// before the write, as the real server does.
    func dryRun(body: JSON? = nil) throws -> Bool {
        var values: [String] = []
        if let v = query["dryRun"] { values.append(v) }
        values += body?["dryRun"]?.array?.compactMap(\.string) ?? []
        for v in values where v != "All" {
            throw APIError.badRequest("dryRun: Unsupported value: \"\(v)\": supported values: \"All\"")
        }
        return !values.isEmpty
    }
}
