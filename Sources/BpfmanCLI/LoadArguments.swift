import ArgumentParser
import Bpfman

/// `bpfman load file [common options] <type> [type options]`.
///
/// Upstream (clap) takes the common options before the type subcommand and
/// lets `--global` take several values; the same short flag means different
/// things on each side (`-p` is --path before, --priority after). So the
/// arguments are split at the type name and each side is parsed on its own.
enum LoadArguments {
    static let types = ["xdp", "tc", "tcx", "tracepoint", "kprobe", "uprobe", "fentry", "fexit"]
    // Arrays, not sets: a dozen names, and a Set's hashing costs a CLI run more than the scan (its first use seeds and
    // looks up String's hashing at start).
    static let singleValueOptions: [String] = [
        "-p", "--path", "-n", "--name", "--map-owner-id", "-o", "--output",
        "-i", "--image-url", "-r", "--registry-auth",
    ]
    static let multiValueOptions: [String] = ["-g", "--global", "-m", "--metadata"]

    static let usage = """
        bpfman load image -i URL [-p Always|IfNotPresent|Never] [-r AUTH] -n NAME … TYPE [TYPE OPTIONS]
        bpfman load file -p PATH -n NAME [-g NAME=HEX ...] [-m KEY=VALUE ...] [--map-owner-id ID] [-o json] TYPE [TYPE OPTIONS]
          TYPE: \(types.joined(separator: ", ")) (see `bpfman load file -p x -n y TYPE --help`)
        """

    /// Index of the type name in `args`, skipping option values.
    static func typeIndex(_ args: [String]) -> Int? {
        var i = 0
        while i < args.count {
            let a = args[i]
            if singleValueOptions.contains(a) {
                i += 2
            } else if multiValueOptions.contains(a) {
                i += 1
                if i < args.count, !args[i].hasPrefix("-") { i += 1 }
                while i < args.count, !args[i].hasPrefix("-"), args[i].contains("=") { i += 1 }
            } else if a.hasPrefix("-") {
                i += 1
            } else {
                return i
            }
        }
        return nil
    }

    static func run(source: String, _ args: [String], images: (any ImageSupport)?) throws {
        guard let t = typeIndex(args) else {
            if args.contains("-h") || args.contains("--help") {
                print(source == "file" ? LoadFileOptions.helpMessage(columns: 100) : LoadImageOptions.helpMessage(columns: 100))
                print("\nTypes: \(types.joined(separator: ", "))")
                return
            }
            throw BpfmanError(.invalidArgument, "missing program type after the load options; one of: \(types.joined(separator: ", "))\nusage: \(usage)")
        }
        var common: any LoadCommonOptions = source == "file"
            ? try parse(LoadFileOptions.self, Array(args[..<t])) : try parse(LoadImageOptions.self, Array(args[..<t]))
        let type = args[t]
        var rest = Array(args[(t + 1)...])
        // `--output` may also follow the type (`-o` there is kprobe/uprobe --offset).
        if let o = rest.firstIndex(of: "--output"), o + 1 < rest.count {
            guard let format = OutputFormat(rawValue: rest[o + 1]) else {
                throw BpfmanError(.invalidArgument, "invalid --output \"\(rest[o + 1])\"; use table or json")
            }
            common.output = format
            rest.removeSubrange(o...(o + 1))
        }
        let attach: AttachInfo
        switch type {
        case "xdp": attach = try parse(XdpOptions.self, rest).attach()
        case "tc": attach = try parse(TcOptions.self, rest).attach()
        case "tcx": attach = try parse(TcxOptions.self, rest).attach()
        case "tracepoint": attach = try parse(TracepointOptions.self, rest).attach()
        case "kprobe": attach = try parse(KprobeOptions.self, rest).attach()
        case "uprobe": attach = try parse(UprobeOptions.self, rest).attach()
        case "fentry": attach = .fentry(.init(fnName: try parse(FunctionOptions.self, rest).fnName))
        case "fexit": attach = .fexit(.init(fnName: try parse(FunctionOptions.self, rest).fnName))
        default:
            throw BpfmanError(.invalidArgument, "unknown program type \"\(type)\"; one of: \(types.joined(separator: ", "))")
        }
        var request = try common.request(attach: attach)
        var resolved: String?
        if case .image = request.bytecode {
            guard let images else { throw BpfmanError(.internal, "load image reached bpfman without its image support (bpfman-image)") }
            (request, resolved) = try images.prepare(request, registryAuth: common.registryAuth)
        }
        let entry = try CLIEnvironment.manager().load(request, bytecodePath: resolved)
        print(common.output == .json ? try Render.json(entry) : Render.program(entry), terminator: "")
    }

    /// Parses with ArgumentParser; `--help` prints the type's help and exits.
    static func parse<T: ParsableArguments>(_ type: T.Type, _ args: [String]) throws -> T {
        do {
            return try T.parse(args)
        } catch {
            if T.exitCode(for: error) == .success {
                print(T.fullMessage(for: error))
                throw ExitCode.success
            }
            var message = T.fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            throw BpfmanError(.invalidArgument, message)
        }
    }
}

/// What `load file` and `load image` share before the type name.
protocol LoadCommonOptions {
    var name: String { get }
    var global: [String] { get }
    var metadata: [String] { get }
    var mapOwnerID: UInt32? { get }
    var output: OutputFormat { get set }
    var bytecode: BytecodeLocation { get }
    /// `--registry-auth` as given: base64 of user:password.
    var registryAuth: String? { get }
}

extension LoadCommonOptions {
    func request(attach: AttachInfo) throws -> LoadRequest {
        var globals: [String: [UInt8]] = [:]
        for g in global.flatMap({ $0.split(separator: " ").map(String.init) }) {
            let (k, v) = try ArgumentParsing.global(g)
            globals[k] = v
        }
        var meta: [String: String] = [:]
        for m in metadata { for (k, v) in try ArgumentParsing.metadata(m) { meta[k] = v } }
        return LoadRequest(bytecode: bytecode, name: name, attach: attach,
                           globalData: globals, metadata: meta, mapOwnerID: mapOwnerID)
    }
}

/// `load image` options before the type name.
struct LoadImageOptions: ParsableArguments, LoadCommonOptions {
    @Option(name: .shortAndLong, help: "Image reference, e.g. quay.io/bpfman-bytecode/xdp_pass:latest.") var imageURL: String
    @Option(name: .shortAndLong, help: "Registry credentials: base64 of user:password.") var registryAuth: String?
    @Option(name: [.customShort("p"), .customLong("pull-policy")], help: "Always, IfNotPresent or Never.")
    var pullPolicy: ImagePullPolicy = .ifNotPresent
    @Option(name: .shortAndLong, help: "The BPF function name to load.") var name: String
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "Global data overrides, NAME=HEX.") var global: [String] = []
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "Metadata KEY=VALUE (comma-separated allowed).")
    var metadata: [String] = []
    @Option(name: .customLong("map-owner-id"), help: "Share the maps of this bpfman program.") var mapOwnerID: UInt32?
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    var bytecode: BytecodeLocation { .image(url: imageURL, pullPolicy: pullPolicy, digest: nil) }
}

/// `load file` options before the type name.
struct LoadFileOptions: ParsableArguments, LoadCommonOptions {
    @Option(name: .shortAndLong, help: "Path to the BPF ELF object file.") var path: String
    @Option(name: .shortAndLong, help: "The BPF function name to load.") var name: String
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "Global data overrides, NAME=HEX (e.g. GLOBAL_u32=0D0C0B0A).")
    var global: [String] = []
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "Metadata KEY=VALUE (comma-separated allowed).")
    var metadata: [String] = []
    @Option(name: .customLong("map-owner-id"), help: "Share the maps of this bpfman program.") var mapOwnerID: UInt32?
    @Option(name: .shortAndLong, help: "Output format: table or json.") var output: OutputFormat = .table

    var bytecode: BytecodeLocation { .file(path: path) }
    var registryAuth: String? { nil }
}

extension TcDirection: ExpressibleByArgument {}

struct XdpOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Interface to attach to.") var iface: String
    @Option(name: .shortAndLong, help: "Priority; lower runs first.") var priority: Int32
    @Option(name: .customLong("proceed-on"), parsing: .upToNextOption,
            help: "aborted, drop, pass, tx, redirect, dispatcher_return (default pass, dispatcher_return).")
    var proceedOn: [String] = []
    @Option(name: .shortAndLong, help: "Network namespace path, e.g. /var/run/netns/NAME.") var netns: String?

    func attach() throws -> AttachInfo {
        let actions = try XdpAction.parse(proceedOn, hook: "xdp")
        return .xdp(.init(iface: iface, priority: priority, proceedOn: actions.isEmpty ? XdpAction.defaultProceedOn : actions, netns: netns))
    }
}

struct TcOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "ingress or egress.") var direction: TcDirection
    @Option(name: .shortAndLong, help: "Interface to attach to.") var iface: String
    @Option(name: .shortAndLong, help: "Priority; lower runs first.") var priority: Int32
    @Option(name: .customLong("proceed-on"), parsing: .upToNextOption,
            help: "unspec, ok, reclassify, shot, pipe, stolen, queued, repeat, redirect, trap, dispatcher_return (default pipe, dispatcher_return).")
    var proceedOn: [String] = []
    @Option(name: .shortAndLong, help: "Network namespace path.") var netns: String?

    func attach() throws -> AttachInfo {
        let actions = try TcAction.parse(proceedOn, hook: "tc")
        return .tc(.init(iface: iface, priority: priority, direction: direction,
                         proceedOn: actions.isEmpty ? TcAction.defaultProceedOn : actions, netns: netns))
    }
}

struct TcxOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "ingress or egress.") var direction: TcDirection
    @Option(name: .shortAndLong, help: "Interface to attach to.") var iface: String
    @Option(name: .shortAndLong, help: "Priority 1..1000; lower runs first.") var priority: Int32
    @Option(name: .shortAndLong, help: "Network namespace path.") var netns: String?

    func attach() throws -> AttachInfo {
        .tcx(.init(iface: iface, priority: priority, direction: direction, netns: netns))
    }
}

struct TracepointOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "category/name, e.g. syscalls/sys_enter_openat.") var tracepoint: String
    func attach() throws -> AttachInfo { .tracepoint(.init(tracepoint: tracepoint)) }
}

struct KprobeOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Kernel function to probe.") var fnName: String
    @Option(name: .shortAndLong, help: "Offset into the function.") var offset: UInt64 = 0
    @Flag(name: .shortAndLong, help: "Probe the return (kretprobe).") var retprobe = false
    @Option(name: .shortAndLong, help: "Not supported for kprobes.") var containerPid: Int32?
    func attach() throws -> AttachInfo {
        .kprobe(.init(fnName: fnName, offset: offset, retprobe: retprobe, containerPid: containerPid))
    }
}

struct UprobeOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Function (symbol) to probe.") var fnName: String?
    @Option(name: .shortAndLong, help: "Offset added to the symbol (or file start).") var offset: UInt64 = 0
    @Option(name: .shortAndLong, help: "Library name (e.g. libc) or path of the binary.") var target: String
    @Flag(name: .shortAndLong, help: "Probe the return (uretprobe).") var retprobe = false
    @Option(name: .shortAndLong, help: "Only fire for this process.") var pid: Int32?
    @Option(name: .shortAndLong, help: "Attach inside this container's mount namespace.") var containerPid: Int32?
    func attach() throws -> AttachInfo {
        .uprobe(.init(fnName: fnName, offset: offset, target: target, retprobe: retprobe, pid: pid, containerPid: containerPid))
    }
}

struct FunctionOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Kernel function to attach to.") var fnName: String
}
