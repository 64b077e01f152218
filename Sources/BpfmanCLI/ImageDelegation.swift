import BpfKernel
import Bpfman
import FoundationEssentials
import Glibc

/// `bpfman image …` and `bpfman load image …` become bpfman-image, the
/// executable installed beside bpfman, with the same arguments (as git runs
/// its subcommands): the common commands never map the registry code.
enum ImageDelegation {
    static let helper = "bpfman-image"

    static func wanted(_ arguments: [String]) -> Bool {
        arguments.first == "image" || (arguments.count >= 2 && arguments[0] == "load" && arguments[1] == "image")
    }

    /// Replaces this process with bpfman-image; returns only by throwing.
    static func exec(_ arguments: [String]) throws -> Never {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = PlainText.deletingLastPathComponent(exe) + "/" + helper
        guard access(path, X_OK) == 0 else {
            throw BpfmanError(.failedPrecondition, "image commands are run by \(helper), which is not installed beside \(exe)")
        }
        let argv = ([CommandLine.arguments.first ?? "bpfman"] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        throw BpfmanError(.internal, "cannot run \(path): \(String(cString: strerror(errno)))")
    }
}
