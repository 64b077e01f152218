import ArgumentParser
import Bpfman

/// What bpfman-image adds to the CLI: the registry side, kept out of `bpfman`
/// itself so that every other command starts without the HTTP, TLS, X.509
/// and signature code (and their runtime records, which every dynamic cast
/// at start scans).
package protocol ImageSupport: Sendable {
    /// The root command whose subcommand is `image` (pull, build, sign …).
    var root: any ParsableCommand.Type { get }
    /// A `load image` request pulled into the cache and its signature
    /// checked: the request to load (digest and verdict filled in) and the
    /// bytecode's path in the cache.
    func prepare(_ request: LoadRequest, registryAuth: String?) throws -> (LoadRequest, String?)
}

/// `bpfman image …`, listed in `bpfman --help`; bpfman-image runs it.
struct ImageCommandStub: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Pull, build and sign bytecode images.",
        discussion: "Run by bpfman-image, installed beside bpfman: `bpfman image --help` lists its subcommands.")
}
