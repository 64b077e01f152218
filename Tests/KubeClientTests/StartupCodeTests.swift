import Foundation
@testable import KubeController
import Testing

/// The daemons hand their start-up code's pages back once ready: only the
/// main executable's code mappings are chosen, and releasing them shrinks
/// what the process has resident of its code while it goes on running.
@Suite("start-up code release")
struct StartupCodeTests {
    @Test("only private read+execute mappings of files with no copied page are chosen: not data, not anonymous memory, not the vdso")
    func choosesCode() {
        func mapping(_ header: String, anonymous: Int) -> String { "\(header)\nSize: 100 kB\nRss: 40 kB\nAnonymous: \(anonymous) kB\nVmFlags: rd ex mr mw me\n" }
        let smaps = [
            mapping("55d0a0000000-55d0a0972000 r--p 00000000 fe:00 123 /usr/bin/bpfman-operator", anonymous: 0),
            mapping("55d0a0972000-55d0a21f6000 r-xp 00971000 fe:00 123 /usr/bin/bpfman-operator", anonymous: 0),
            mapping("55d0a21f6000-55d0a22fb000 r--p 021f5000 fe:00 123 /usr/bin/bpfman-operator", anonymous: 1040),
            mapping("55d0a22fb000-55d0a47f3000 rw-p 022fa000 fe:00 123 /usr/bin/bpfman-operator", anonymous: 3000),
            mapping("55d0a47f3000-55d0a4900000 rw-p 00000000 00:00 0", anonymous: 1000),
            mapping("7f1c00000000-7f1c00156000 r-xp 00028000 fe:00 456 /usr/lib/x86_64-linux-gnu/libc.so.6", anonymous: 0),
            // Text relocations copied a page: dropping it would lose them.
            mapping("7f1c20000000-7f1c20010000 r-xp 00000000 fe:00 457 /usr/lib/libtextrel.so", anonymous: 4),
            mapping("7f1c30000000-7f1c30002000 r-xp 00000000 fe:00 458 /opt/my tools/daemon", anonymous: 0),
            mapping("7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]", anonymous: 0),
        ].joined()
        #expect(StartupCode.codeMappings(smaps: smaps) == [0x55d0_a097_2000..<0x55d0_a21f_6000, 0x7f1c_0000_0000..<0x7f1c_0015_6000,
                                                           0x7f1c_3000_0000..<0x7f1c_3000_2000])
    }

    @Test("released, this process's resident code shrinks, and the code it runs afterwards still works")
    func releaseShrinksResidentCode() throws {
        let before = try residentCode()
        #expect(before > 1 << 20, "the test runner has \(before) bytes of its code resident before")
        let covered = StartupCode.release()
        #expect(covered > 0)
        let after = try residentCode()
        #expect(after < before / 2, "resident code \(before) -> \(after) bytes")
        // Code runs on: JSON both ways goes through code that was released.
        let data = try JSONEncoder().encode(["k": [1, 2, 3]])
        #expect(try JSONDecoder().decode([String: [Int]].self, from: data) == ["k": [1, 2, 3]])
    }

    /// Rss of the executable's code mappings, from /proc/self/smaps.
    func residentCode() throws -> Int {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let smaps = try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8)
        var total = 0, inCode = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5, first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inCode = fields.count >= 6 && fields[1] == "r-xp" && fields[5...].joined(separator: " ") == exe
            } else if inCode, fields.first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                total += kb * 1024
            }
        }
        return total
    }
}
