import BpfmanAPI
import Foundation

// `make manifests`: writes the CRDs and RBAC generated from the Swift types
// under the directory given (default config).
let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "config"
do {
    try Manifests.write(to: root)
    print("bpfman-manifests: wrote \(try Manifests.files().count) files under \(root)/")
} catch {
    FileHandle.standardError.write(Data("bpfman-manifests: \(error)\n".utf8))
    exit(1)
}
