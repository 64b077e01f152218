import Foundation

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
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw BpfmanError.notFound("bytecode file \(path) does not exist")
        }
        guard !isDir.boolValue else { throw BpfmanError.invalid("bytecode path \(path) is a directory, not an ELF object file") }
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw BpfmanError(.permissionDenied, "bytecode file \(path) cannot be read")
        }
        defer { try? h.close() }
        let magic = (try? h.read(upToCount: 4)) ?? Data()
        guard magic == Data([0x7f, 0x45, 0x4c, 0x46]) else {
            throw BpfmanError.invalid("\(path) is not an ELF object file (compile BPF C with clang -target bpf)")
        }
        return path
    }
}
