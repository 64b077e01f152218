import BpfKernel
@testable import BpfmanImages
import Foundation
import Testing

@Suite("Image formats")
struct ImageUnitTests {
    @Test("references get Docker's defaults", arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("quay.io/bpfman-bytecode/xdp_pass", "quay.io/bpfman-bytecode/xdp_pass:latest"),
        ("127.0.0.1:5000/a/b:v1", "127.0.0.1:5000/a/b:v1"),
        ("localhost/x:1", "localhost/x:1"),
        ("quay.io/x@sha256:" + String(repeating: "ab", count: 32), "quay.io/x@sha256:" + String(repeating: "ab", count: 32)),
    ])
    func references(input: String, expected: String) throws {
        #expect(try ImageReference(parsing: input).description == expected)
    }

    @Test("bad references say why", arguments: ["", "quay.io//x", "Quay.io/UPPER", "x@sha256:12", "https://quay.io/x"])
    func badReferences(input: String) {
        #expect(throws: ImageError.self) { try ImageReference(parsing: input) }
    }

    @Test("tar and gzip round-trip; the size limit holds")
    func tarGzip() throws {
        let contents = (0..<2000).map { UInt8($0 % 251) }
        let tar = Tar.single(name: "prog.o", contents: contents)
        #expect(tar.count % 512 == 0)
        #expect(Tar.firstFile(tar) == Tar.Entry(name: "prog.o", contents: contents))
        let gz = Gzip.compress(tar)
        #expect(try Gzip.decompress(gz, limit: 1 << 20) == tar)
        #expect(throws: Gzip.Failure.tooLarge) { try Gzip.decompress(gz, limit: 1000) }
        #expect(throws: Gzip.Failure.invalidData) { try Gzip.decompress([1, 2, 3], limit: 100) }
        #expect(Gzip.compress(tar) == gz, "builds are reproducible")
    }

    @Test("WWW-Authenticate challenges parse")
    func challenge() {
        let c = AuthChallenge(#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#)
        #expect(c.scheme == "bearer")
        #expect(c.params["realm"] == "https://auth.example/token")
        #expect(c.params["scope"] == "repository:a/b:pull")
        #expect(AuthChallenge(#"Basic realm="x""#).scheme == "basic")
    }

    @Test("registry auth from base64 user:password")
    func auth() throws {
        let a = try RegistryAuth(base64: Data("me:p:w".utf8).base64EncodedString())
        #expect(a.username == "me")
        #expect(a.password == "p:w")
        #expect(throws: ImageError.self) { try RegistryAuth(base64: "!!!") }
    }

    @Test("the builder labels an object from its programs and maps")
    func labels() throws {
        let (programs, maps) = try ImageBuilder.labels(objectPath: TestPaths.example("kprobe_counter"))
        #expect(programs == ["kprobe_counter": "probe", "kretprobe_counter": "probe"])
        #expect(maps == ["kprobe_stats_map": "array"])
    }
}
