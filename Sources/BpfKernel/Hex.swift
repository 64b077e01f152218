/// Lower-case hex of bytes, two digits each (a program tag, a hash, a log id).
public enum Hex {
    public static func lower<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        bytes.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
