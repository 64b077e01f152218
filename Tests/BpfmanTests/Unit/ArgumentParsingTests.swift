import Bpfman
import Testing

@Suite("Argument parsing")
struct ArgumentParsingTests {
    @Test("NAME=HEX keeps byte order as given")
    func globalBytes() throws {
        let (name, bytes) = try ArgumentParsing.global("GLOBAL_u32=0D0C0B0A")
        #expect(name == "GLOBAL_u32")
        #expect(bytes == [0x0D, 0x0C, 0x0B, 0x0A])
        #expect(try ArgumentParsing.global("x=ff").1 == [0xFF])
        #expect(ArgumentParsing.hex([0x0D, 0xAB]) == "0DAB")
    }

    @Test("malformed globals are refused with the reason", arguments: [
        ("GLOBAL_u8", "is not NAME=HEX"),
        ("=01", "has no name"),
        ("GLOBAL_u8=", "has no value"),
        ("GLOBAL_u8=123", "odd number of hex digits (3)"),
        ("GLOBAL_u8=0g", "\"0g\" is not a hex byte"),
    ])
    func malformedGlobal(input: String, reason: String) {
        #expect {
            _ = try ArgumentParsing.global(input)
        } throws: { error in
            (error as? BpfmanError)?.message.contains(reason) == true && (error as? BpfmanError)?.kind == .invalidArgument
        }
    }

    @Test("metadata KEY=VALUE, comma-separated")
    func metadata() throws {
        let pairs = try ArgumentParsing.metadata("a=1,b=two")
        #expect(pairs.map(\.0) == ["a", "b"])
        #expect(pairs.map(\.1) == ["1", "two"])
        #expect(throws: BpfmanError.self) { try ArgumentParsing.metadata("nokey") }
        #expect(throws: BpfmanError.self) { try ArgumentParsing.metadata("=v") }
    }
}
