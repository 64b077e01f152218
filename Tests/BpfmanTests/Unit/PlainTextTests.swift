import BpfKernel
import Foundation
import Testing

/// PlainText stands in for NSString's path methods, trimming and replacing in
/// the CLI's modules (which link FoundationEssentials alone): it must agree
/// with Foundation on the inputs those modules see.
@Suite("PlainText: the CLI's string operations without Foundation")
struct PlainTextTests {
    static let samplePaths = ["/run/bpfman/fs/prog_12", "/run/bpfman/fs/", "/", "prog.json", "dir/prog.json", "/a", "/a/b/c.json.why",
                        "/sys/fs/bpf/bpfman/xdp/dispatcher_3_0", ""]

    @Test("last path component and the path without it agree with NSString", arguments: samplePaths)
    func paths(_ path: String) {
        #expect(PlainText.lastPathComponent(path) == (path as NSString).lastPathComponent)
        #expect(PlainText.deletingLastPathComponent(path) == (path as NSString).deletingLastPathComponent)
    }

    @Test("a relative path with a trailing slash (which crashes this Foundation's deletingLastPathComponent)")
    func relativeTrailingSlash() {
        #expect(PlainText.lastPathComponent("a/") == "a")
        #expect(PlainText.deletingLastPathComponent("a/") == "")
        #expect(PlainText.deletingLastPathComponent("a/b/") == "a")
    }

    @Test("trimming agrees with whitespacesAndNewlines on ASCII blanks", arguments: ["  memlock 4096\n", "\t\r\nx y\t", "", "   ", "a"])
    func trim(_ text: String) {
        #expect(PlainText.trimmed(text) == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("replacing agrees with replacingOccurrences: overlapping, at the ends, absent, longer replacement")
    func replace() {
        for (text, target, with) in [("kprobe", "probe", "retprobe"), ("a\\\\b\\\"c", "\\\\", "\u{0}"), ("aaaa", "aa", "b"), ("xyz", "q", "r"),
                                     ("sched_cls", "_", "-"), ("_a_", "_", "--"), ("", "a", "b")] {
            #expect(PlainText.replacing(target, with: with, in: text) == text.replacingOccurrences(of: target, with: with), "\(text)")
        }
        #expect(PlainText.range(of: "END", in: "x -- END y"[...]).map { "x -- END y"[$0] } == "END")
        #expect(PlainText.padded("ab", to: 4) == "ab".padding(toLength: 4, withPad: " ", startingAt: 0))
        #expect(PlainText.padded("abcdef", to: 4) == "abcdef".padding(toLength: 4, withPad: " ", startingAt: 0))
    }
}
