/// Parsing of `--global NAME=HEX` and `--metadata KEY=VALUE` arguments.
public enum ArgumentParsing {
    /// `NAME=HEX` → (name, bytes). Hex is byte order as given (e.g. `0D0C0B0A`).
    public static func global(_ text: String) throws -> (String, [UInt8]) {
        guard let eq = text.firstIndex(of: "=") else {
            throw BpfmanError.invalid("global \"\(text)\" is not NAME=HEX")
        }
        let name = String(text[..<eq])
        let hex = String(text[text.index(after: eq)...])
        guard !name.isEmpty else { throw BpfmanError.invalid("global \"\(text)\" has no name before '='") }
        guard !hex.isEmpty else { throw BpfmanError.invalid("global \(name) has no value after '='") }
        guard hex.count % 2 == 0 else {
            throw BpfmanError.invalid("global \(name)=\(hex): odd number of hex digits (\(hex.count)); give whole bytes")
        }
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            guard let b = UInt8(hex[i..<j], radix: 16) else {
                throw BpfmanError.invalid("global \(name)=\(hex): \"\(hex[i..<j])\" is not a hex byte")
            }
            bytes.append(b)
            i = j
        }
        return (name, bytes)
    }

    /// `KEY=VALUE` → (key, value); several may be comma-separated.
    public static func metadata(_ text: String) throws -> [(String, String)] {
        try text.split(separator: ",", omittingEmptySubsequences: true).map { part in
            guard let eq = part.firstIndex(of: "="), eq != part.startIndex else {
                throw BpfmanError.invalid("metadata \"\(part)\" is not KEY=VALUE")
            }
            return (String(part[..<eq]), String(part[part.index(after: eq)...]))
        }
    }

    /// Upper-case hex, as upstream prints globals back.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { hexByte($0) }.joined()
    }

    private static func hexByte(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }
}
