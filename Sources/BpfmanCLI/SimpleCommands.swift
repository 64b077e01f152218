import Glibc
import BpfKernel
import FoundationEssentials
import ArgumentParser
import Bpfman

struct UnloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unload", abstract: "Detach and unload a program.")

    @Argument(help: "Kernel id of the program.") var programID: UInt32
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() throws {
        try CLIEnvironment.manager().unload(id: programID)
        if output == .json { print("{\"unloaded\":\(programID)}") }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List loaded programs.")

    @Option(name: [.customShort("p"), .customLong("program-type")], help: "Only this type (xdp, tc, tracepoint, probe, tracing, ...).")
    var programType: String?
    @Option(name: [.customShort("m"), .customLong("metadata-selector")], help: "Only programs with these KEY=VALUE metadata (comma-separated).")
    var metadataSelector: [String] = []
    @Flag(name: [.customShort("a"), .customLong("all")], help: "Include programs bpfman did not load.")
    var all = false
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() throws {
        var filter = ListFilter(bpfmanOnly: !all)
        if let t = programType {
            guard let n = ProgramKind.listTypeNames[t] else {
                throw BpfmanError(.invalidArgument, "unknown program type \"\(t)\"; use one of: \(ProgramKind.listTypeNames.keys.sorted().joined(separator: ", "))")
            }
            filter.programType = n
        }
        for m in metadataSelector {
            for (k, v) in try ArgumentParsing.metadata(m) { filter.metadata[k] = v }
        }
        let manager = CLIEnvironment.manager()
        let entries = try manager.list(filter)
        // Unreadable records are shown whatever the filter: nobody can tell what they held.
        let corrupt = manager.corruptRecords()
        if output == .json {
            print(try Render.json(entries), terminator: "")
            for c in corrupt { printError("bpfman: \(Render.corruptLine(c))\n") }
        } else {
            print(Render.list(entries, corrupt: corrupt), terminator: "")
        }
    }
}

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one program.")

    @Argument(help: "Kernel id of the program.") var programID: UInt32
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() throws {
        let entry = try CLIEnvironment.manager().get(id: programID)
        print(output == .json ? try Render.json(entry) : Render.program(entry), terminator: "")
    }
}

/// `bpfman update ID --priority N --proceed-on …`: a new place for an attached
/// XDP, TC or TCX program without unloading it (same id, same maps).
struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change the priority and/or proceed-on of an attached XDP, TC or TCX program in place.")

    @Argument(help: "Kernel id of the program.") var programID: UInt32
    @Option(name: .shortAndLong, help: "New priority, 0 to 1000; lower runs first.") var priority: Int32?
    @Option(name: .customLong("proceed-on"), parsing: .upToNextOption,
            help: "New proceed-on actions (XDP: aborted, drop, pass, tx, redirect, dispatcher_return; TC: unspec, ok, reclassify, shot, pipe, stolen, queued, repeat, redirect, trap, dispatcher_return).")
    var proceedOn: [String] = []
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    func run() throws {
        let manager = CLIEnvironment.manager()
        // Names mean what the program's hook says they mean; an unknown id is the update's own error.
        var typed: ProceedOn?
        if !proceedOn.isEmpty, let kind = try? manager.get(id: programID).record?.kind { typed = try ProceedOn.parse(proceedOn, for: kind) }
        let entry = try manager.update(id: programID, priority: priority, proceedOn: typed)
        print(output == .json ? try Render.json(entry) : Render.program(entry), terminator: "")
    }
}
