import Glibc
import BpfKernel
import ArgumentParser
import Bpfman

/// `bpfman dispatcher list|get`: the network hooks and the programs on them.
struct DispatcherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatcher", abstract: "Show XDP, TC and TCX hooks: mode, revision and programs in order.",
        subcommands: [List.self, Get.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "One line per hook.")
        @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

        func run() throws {
            let hooks = try CLIEnvironment.manager().hooks()
            print(output == .json ? try Render.json(hooks) : Render.hookList(hooks), terminator: "")
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "The hooks on one interface, slot by slot.")
        @Argument(help: "Interface name.") var iface: String
        @Option(name: .shortAndLong, help: "Only this hook type: xdp, tc or tcx.") var type: String?
        @Option(name: .shortAndLong, help: "Only this direction: ingress or egress.") var direction: TcDirection?
        @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

        func validate() throws {
            if let type, !["xdp", "tc", "tcx"].contains(type) {
                throw ValidationError("--type must be xdp, tc or tcx, not \"\(type)\"")
            }
        }

        func run() throws {
            let hooks = try CLIEnvironment.manager().hooks().filter {
                $0.iface == iface && (type == nil || $0.type == type) && (direction == nil || $0.direction == direction)
            }
            guard !hooks.isEmpty else {
                throw BpfmanError(.notFound, "bpfman has no programs on \(iface)\(type.map { " (\($0))" } ?? "")")
            }
            print(output == .json ? try Render.json(hooks) : hooks.map(Render.hook).joined(separator: "\n"), terminator: "")
        }
    }
}

extension Render {
    static func hookList(_ hooks: [HookView]) -> String {
        let header = ["Type", "Interface", "Netns", "Direction", "Mode", "Revision", "Programs"]
        let rows = hooks.map {
            [$0.type, $0.iface, String($0.netnsInode), $0.direction?.rawValue ?? "", $0.mode.rawValue,
             $0.revision.map(String.init) ?? "-", String($0.slots.count)]
        }
        return columns([header] + rows)
    }

    static func hook(_ h: HookView) -> String {
        var out = table(" \(h.type) on \(h.iface)", [
            ("Interface:", "\(h.iface) (ifindex \(h.ifindex))"), ("Netns:", h.netns ?? "\(h.netnsInode)"),
            ("Direction:", h.direction?.rawValue ?? "None"), ("Mode:", h.mode.rawValue),
            ("Revision:", h.revision.map(String.init) ?? "None"),
        ])
        let header = ["Position", "Program ID", "Name", "Priority", "Proceed On"]
        let rows = h.slots.map { [String($0.position), String($0.programID), $0.name, String($0.priority), $0.proceedOn.joined(separator: ", ")] }
        out += columns([header] + rows)
        return out
    }

    /// Aligned columns, one space of padding, like the other tables.
    static func columns(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = (0..<first.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in
            " " + r.enumerated().map { PlainText.padded($1, to: widths[$0]) }.joined(separator: "  ")
        }.map { $0.trimmingTrailingSpaces() }.joined(separator: "\n") + "\n"
    }
}
