/// The few string operations the CLI's modules need, without Foundation's
/// NSString bridge (so that `bpfman` links FoundationEssentials alone, not
/// Foundation with ICU): paths split at "/", ASCII trimming, literal replacing.
public enum PlainText {
    /// The last component of a path ("/a/b.json" → "b.json"; "/a/b/" → "b").
    public static func lastPathComponent(_ path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        let name = trimmed[trimmed.index(after: slash)...]
        return name.isEmpty ? "/" : String(name)
    }

    /// The path without its last component ("/a/b" → "/a"; "/a" → "/"; "b" → "").
    public static func deletingLastPathComponent(_ path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Without leading and trailing white space and newlines.
    public static func trimmed<S: StringProtocol>(_ text: S) -> String {
        let blank: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return String(text[first...last])
    }

    /// Every occurrence of `target` (not empty) replaced by `replacement`, left to right.
    public static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        guard !target.isEmpty else { return text }
        var out = "", rest = Substring(text)
        while let r = range(of: target, in: rest) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// `text` padded with spaces (or cut) to `width` characters.
    public static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    /// The first range of `target` in `text`, compared character by character.
    public static func range(of target: String, in text: Substring) -> Range<Substring.Index>? {
        guard let head = target.first else { return nil }
        var i = text.startIndex
        while let start = text[i...].firstIndex(of: head) {
            if text[start...].hasPrefix(target) { return start..<text.index(start, offsetBy: target.count) }
            i = text.index(after: start)
        }
        return nil
    }
}
