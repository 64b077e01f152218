import BpfKernel
import CLibbpf
import Foundation
import Testing

/// The collector of libbpf's messages (CBpfShim): per thread, grown on the
/// heap as messages come, capped at 256 KiB with the newest text kept, and
/// no large static thread-local storage in any binary that links it.
/// Synchronous tests: the log is the calling thread's.
@Suite(.serialized) struct LibbpfLogTests {
    static let cap = 256 * 1024

    /// The printer LibbpfLog installs in libbpf (set_print returns the one it replaces).
    static func printer() throws -> libbpf_print_fn_t {
        LibbpfLog.reset()
        let installed = try #require(libbpf_set_print(nil))
        libbpf_set_print(installed)
        return installed
    }

    static func print(_ printer: libbpf_print_fn_t, _ text: String) {
        text.withCString { s in _ = withVaList([s]) { printer(LIBBPF_WARN, "%s", $0) } }
    }

    @Test func messagesAccumulateInOrderPastTheFirstAllocation() throws {
        let printer = try Self.printer()
        let lines = (0..<2_000).map { "line \($0): " + String(repeating: "x", count: 90) + "\n" }
        for line in lines { Self.print(printer, line) }
        #expect(LibbpfLog.text() == lines.joined())
        LibbpfLog.reset()
        #expect(LibbpfLog.text() == "")
    }

    @Test func pastTheCapTheNewestTextIsKept() throws {
        let printer = try Self.printer()
        let lines = (0..<6_000).map { "line \($0): " + String(repeating: "y", count: 90) + "\n" }
        for line in lines { Self.print(printer, line) }
        let text = LibbpfLog.text()
        #expect(text.utf8.count < Self.cap)
        #expect(text.utf8.count > Self.cap / 2)
        #expect(text.hasSuffix(lines.last!))
        #expect(!text.contains("line 0:"))
        LibbpfLog.reset()
    }

    @Test func oneHugeMessageKeepsItsEnd() throws {
        let printer = try Self.printer()
        Self.print(printer, "before\n")
        let verifierLog = "BEGIN\n" + String(repeating: "r0 = 1\n", count: 60_000) + "invalid access to packet\n"
        Self.print(printer, verifierLog)
        let text = LibbpfLog.text()
        #expect(text.hasPrefix("before\n"))
        #expect(text.hasSuffix("r0 = 1\ninvalid access to packet\n"))
        #expect(!text.contains("BEGIN"))
        #expect(text.utf8.count == "before\n".utf8.count + Self.cap / 2 - 1)
        LibbpfLog.reset()
    }

    @Test func eachThreadHasItsOwnLog() throws {
        let printer = try Self.printer()
        Self.print(printer, "on the test's thread\n")
        let other = OtherThread { () -> String in
            let before = LibbpfLog.text()
            Self.print(printer, "elsewhere\n")
            return before + "|" + LibbpfLog.text()
        }
        #expect(other.result() == "|elsewhere\n")
        #expect(LibbpfLog.text() == "on the test's thread\n")
        LibbpfLog.reset()
    }

    /// What made every thread pay for the log: a 256 KiB `__thread` array is
    /// static TLS, zeroed into each thread's block at its start.
    @Test func theTestBinaryCarriesLittleStaticTLS() throws {
        let elf = try Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe"))
        let tls = try #require(Self.tlsMemorySize(elf))
        #expect(tls < 64 * 1024, "PT_TLS of the test binary is \(tls) bytes")
    }

    /// p_memsz of the PT_TLS program header of a 64-bit little-endian ELF.
    static func tlsMemorySize(_ elf: Data) -> Int? {
        func u(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(elf[at + $1]) << (8 * $1) } }
        guard elf.count > 64, elf.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]), elf[4] == 2 else { return nil }
        let phoff = u(0x20, 8), phentsize = u(0x36, 2), phnum = u(0x38, 2)
        for i in 0..<phnum {
            let at = phoff + i * phentsize
            if u(at, 4) == 7 { return u(at + 0x28, 8) }  // PT_TLS; p_memsz
        }
        return 0
    }
}

/// Runs `body` on a new thread of its own and hands back its result.
final class OtherThread<T: Sendable>: @unchecked Sendable {
    private var value: T?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> T) {
        let thread = Thread { [self] in
            value = body()
            done.signal()
        }
        thread.start()
    }

    func result() -> T {
        done.wait()
        return value!
    }
}
