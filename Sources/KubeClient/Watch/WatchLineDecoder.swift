/// Splits a watch response into JSON lines, whatever the chunk boundaries:
/// bytes are held until their newline arrives.
public struct WatchLineDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Adds received bytes; returns every line they complete.
    public mutating func feed<C: Collection<UInt8>>(_ bytes: C) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for b in bytes {
            if b == 0x0a {
                if !pending.isEmpty { lines.append(pending) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(b)
            }
        }
        return lines
    }

    /// The last line, when the stream ends without a newline.
    public mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        let trimmed = pending.filter { $0 != 0x20 && $0 != 0x0d && $0 != 0x09 }
        return trimmed.isEmpty ? nil : pending
    }
}
