import BpfmanAPI
import Foundation

// `make manifests`: bpfman-manifests [DIR]            writes the CRDs and RBAC generated
//                                                     from the Swift types under DIR (default config).
// `make bundle`:    bpfman-manifests bundle --version V --input RENDERED.yaml [--dependencies F] [--out ROOT]
//                                                     writes ROOT/bundle/ and ROOT/bundle.Dockerfile.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bpfman-manifests: \(message)\n".utf8))
    exit(1)
}

var args = Array(CommandLine.arguments.dropFirst())
if args.first == "bundle" {
    args.removeFirst()
    var flags: [String: String] = [:]
    while let flag = args.first {
        guard flag.hasPrefix("--"), args.count >= 2 else { fail("bundle: expected --flag value, got \(flag)") }
        flags[String(flag.dropFirst(2))] = args[1]
        args.removeFirst(2)
    }
    for unknown in Set(flags.keys).subtracting(["version", "input", "dependencies", "out", "channels", "default-channel"]) {
        fail("bundle: unknown flag --\(unknown)")
    }
    guard let version = flags["version"], !version.isEmpty else { fail("bundle: --version is required") }
    guard let input = flags["input"] else { fail("bundle: --input (the output of kubectl kustomize config/manifests) is required") }
    guard let rendered = FileManager.default.contents(atPath: input) else { fail("bundle: cannot read \(input)") }
    var options = OLMBundle.Options(version: version)
    if let c = flags["channels"] { options.channels = c }
    options.defaultChannel = flags["default-channel"]
    if let d = flags["dependencies"] {
        guard let deps = FileManager.default.contents(atPath: d) else { fail("bundle: cannot read \(d)") }
        options.dependencies = String(decoding: deps, as: UTF8.self)
    }
    let root = flags["out"] ?? "."
    do {
        let files = try OLMBundle.files(rendered: String(decoding: rendered, as: UTF8.self), options: options)
        try? FileManager.default.removeItem(atPath: root + "/bundle")
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        }
        print("bpfman-manifests: wrote the bundle for v\(version) (\(files.count) files) under \(root)/")
    } catch { fail("\(error)") }
    exit(0)
}

let root = args.first ?? "config"
do {
    try Manifests.write(to: root)
    print("bpfman-manifests: wrote \(try Manifests.files().count) files under \(root)/")
} catch {
    fail("\(error)")
}
