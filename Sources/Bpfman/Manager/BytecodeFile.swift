import Foundation

/// Checks a file bytecode location before libbpf sees it, so the error says
/// exactly what is wrong.
enum BytecodeFile {
    static func check(_ location: BytecodeLocation) throws -> String {
        switch location {
        case .image(let url, _, _):
            throw BpfmanError(.failedPrecondition, "loading from image \(url) needs the bytecode-image support, which this build does not have yet")
        case .file(let path):
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
}
