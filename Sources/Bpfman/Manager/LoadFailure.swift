import BpfKernel
import Glibc

/// Turns a failed object load into a message that says who refused and why,
/// with the tail of the verifier log.
enum LoadFailure {
    static func error(_ e: KernelError, program: String, kind: ProgramKind, path: String) -> BpfmanError {
        let log = verifierLog(e.libbpfLog)
        if e.errno == EPERM {
            return BpfmanError(.permissionDenied,
                "the kernel refused to load \(kind.rawValue) program \(program) from \(path): \(e.reason). This kernel does not allow \(kind.rawValue) programs here (or bpfman lacks CAP_BPF/CAP_SYS_ADMIN)\(section("libbpf said", e.logTail(lines: 8)))")
        }
        if !log.isEmpty {
            return BpfmanError.invalid("the verifier rejected program \(program) from \(path): \(e.reason)\(section("verifier log (last lines)", log))")
        }
        return BpfmanError.invalid("cannot load program \(program) from \(path): \(e.reason)\(section("libbpf said", e.logTail(lines: 8)))")
    }

    /// The last lines between libbpf's "-- BEGIN PROG LOAD LOG --" markers.
    static func verifierLog(_ text: String, lines: Int = 15) -> String {
        guard let begin = PlainText.range(of: "-- BEGIN PROG LOAD LOG --", in: Substring(text)) else { return "" }
        let rest = text[begin.upperBound...]
        let body = PlainText.range(of: "-- END PROG LOAD LOG --", in: rest).map { rest[..<$0.lowerBound] } ?? rest
        return body.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }

    private static func section(_ title: String, _ body: String) -> String {
        body.isEmpty ? "" : "\n\(title):\n\(body)"
    }
}
