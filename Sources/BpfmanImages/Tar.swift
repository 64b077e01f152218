/// The little of tar an OCI bytecode layer needs: one regular file.
public enum Tar {
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var contents: [UInt8]
    }

    /// The first regular file of a tar stream (directories are skipped).
    public static func firstFile(_ data: [UInt8]) -> Entry? {
        var offset = 0
        while offset + 512 <= data.count {
            let header = Array(data[offset..<(offset + 512)])
            if header.allSatisfy({ $0 == 0 }) { return nil }
            let name = string(header[0..<100])
            let prefix = string(header[345..<500])
            guard let size = Int(string(header[124..<136]).trimmingSpacesAndNuls(), radix: 8) else { return nil }
            let type = header[156]
            let start = offset + 512
            guard start + size <= data.count else { return nil }
            if type == UInt8(ascii: "0") || type == 0 {
                let full = prefix.isEmpty ? name : prefix + "/" + name
                return Entry(name: full, contents: Array(data[start..<(start + size)]))
            }
            offset = start + (size + 511) / 512 * 512
        }
        return nil
    }

    /// A tar stream holding one file (mode 0644, owned by root).
    public static func single(name: String, contents: [UInt8], mtime: Int = 0) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, at: Int, width: Int) {
            for (i, b) in s.utf8.prefix(width).enumerated() { h[at + i] = b }
        }
        func octal(_ v: Int, at: Int, width: Int) {
            let s = String(v, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - s.count)) + s, at: at, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(contents.count, at: 124, width: 12)
        octal(mtime, at: 136, width: 12)
        h[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        for i in 148..<156 { h[i] = UInt8(ascii: " ") }
        let sum = h.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, width: 7)
        h[155] = UInt8(ascii: " ")
        var out = h + contents
        out += [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension String {
    func trimmingSpacesAndNuls() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "\0" }.reversed())
    }
}
