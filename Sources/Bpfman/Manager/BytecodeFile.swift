/// Checks a file bytecode location before libbpf sees it, so the error says
/// exactly what is wrong.
enum BytecodeFile {
    static func check(_ location: BytecodeLocation, resolved: String?) throws -> String {
        switch location {
        case .image(let url, _, _):
            guard let resolved else {
                throw BpfmanError(.failedPrecondition, "image \(url) must be pulled first (ImageManager) before the core loads it")
            }
            return try file(resolved)
        case .file(let path):
            return try file(path)
        }
    }

    static func file(_ path: String) throws -> String {
        guard try RegularFile.head(path, what: "bytecode file") == RegularFile.elfMagic else {
            throw BpfmanError.invalid("\(path) is not an ELF object file (compile BPF C with clang -target bpf)")
        }
        return path
    }
}
