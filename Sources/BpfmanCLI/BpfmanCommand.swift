import Glibc
import BpfKernel
import ArgumentParser
import Bpfman
import FoundationEssentials

/// The `bpfman` command line: the same core as the daemon, in-process.
public struct BpfmanCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bpfman",
        abstract: "Load, attach, list and unload eBPF programs.",
        discussion: """
            State lives in $BPFMAN_STATE_DIR (default \(BpfmanPaths.defaultStateDir)); pins in the bpffs at \
            $BPFMAN_BPFFS_ROOT (default \(BpfmanPaths.defaultBpffsRoot)). Per-interface XDP modes come from \
            $BPFMAN_CONFIG (default \(BpfmanConfig.defaultPath)).
            """,
        subcommands: [LoadCommand.self, UnloadCommand.self, UpdateCommand.self, ListCommand.self, GetCommand.self, ImageCommandStub.self, DispatcherCommand.self]
    )

    public init() {}

    /// Entry point: `load file|image` is split by hand (see `LoadArguments`),
    /// everything else goes through ArgumentParser. Synchronous: only the
    /// commands that talk to a registry go through `AsyncBridge`.
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int32 {
        run(arguments: arguments, images: nil)
    }

    /// The same, with `images` for `image …` and `load image …` (bpfman-image); without, those run bpfman-image.
    package static func run(arguments: [String], images: (any ImageSupport)?) -> Int32 {
        do {
            if images == nil, ImageDelegation.wanted(arguments) { try ImageDelegation.exec(arguments) }
            if arguments.count >= 2, arguments[0] == "load", ["file", "image"].contains(arguments[1]) {
                try LoadArguments.run(source: arguments[1], Array(arguments.dropFirst(2)), images: images)
                return 0
            }
            let root: any ParsableCommand.Type = arguments.first == "image" ? (images?.root ?? Self.self) : Self.self
            var command = try root.parseAsRoot(arguments)
            if let async = command as? AsyncParsableCommand {
                let unchecked = UncheckedCommand(command: async)
                try AsyncBridge.wait { var c = unchecked.command; try await c.run() }
            } else {
                try command.run()
            }
            return 0
        } catch let e as BpfmanError {
            printError("Error: \(e.message)\n")
            return 1
        } catch {
            let code = exitCode(for: error)
            if code == .success { print(fullMessage(for: error)) } else {
                printError("\(fullMessage(for: error))\n")
            }
            return code.rawValue
        }
    }
}

/// A parsed command handed to the task that runs it (parsed values only, used by that task alone).
private struct UncheckedCommand: @unchecked Sendable {
    var command: any AsyncParsableCommand
}

/// `bpfman load` — only for help; parsing is done by `LoadArguments`.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load and attach a program.",
        discussion: LoadArguments.usage
    )
}
