/// A parsed `/proc/<pid>/mountinfo`: which filesystem is mounted where, under
/// which source name and with which options. Pure, so it is tested on text.
public struct MountTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var mountPoint: String
        public var fsType: String
        public var source: String
        /// Per-mount options ("ro" or "rw" first).
        public var mountOptions: [String]
        /// Superblock options.
        public var superOptions: [String]

        public init(mountPoint: String, fsType: String, source: String, mountOptions: [String], superOptions: [String]) {
            self.mountPoint = mountPoint; self.fsType = fsType; self.source = source
            self.mountOptions = mountOptions; self.superOptions = superOptions
        }

        /// Read-only through this mount, or for every mount of its superblock.
        public var readOnly: Bool { mountOptions.contains("ro") || superOptions.contains("ro") }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Lines as the kernel writes them: `id parent major:minor root mountpoint
    /// options [optional fields] - fstype source superoptions`, with space, tab,
    /// newline and backslash written as octal escapes. Lines of another shape
    /// are skipped.
    public init(mountinfo: String) {
        var out: [Entry] = []
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 3 < fields.count else { continue }
            out.append(Entry(mountPoint: Self.unescape(fields[4]), fsType: Self.unescape(fields[dash + 1]),
                             source: Self.unescape(fields[dash + 2]),
                             mountOptions: fields[5].split(separator: ",").map(String.init),
                             superOptions: fields[dash + 3].split(separator: ",").map(String.init)))
        }
        entries = out
    }

    /// The topmost mount at `path` (the last one listed there), if any.
    public func mount(at path: String) -> Entry? {
        entries.last { $0.mountPoint == path }
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), let v = Self.octal(u, i + 1) {
                bytes.append(v); i += 4
            } else {
                bytes.append(u[i]); i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ u: [UInt8], _ at: Int) -> UInt8? {
        guard at + 3 <= u.count else { return nil }
        var v: UInt32 = 0
        for k in at..<(at + 3) {
            guard u[k] >= UInt8(ascii: "0"), u[k] <= UInt8(ascii: "7") else { return nil }
            v = v * 8 + UInt32(u[k] - UInt8(ascii: "0"))
        }
        return v <= 255 ? UInt8(v) : nil
    }
}
