import BpfmanImages
import Foundation
import Testing

/// Who may use a cached image: the decisions, and the keys credentials are remembered by.
@Suite("cached image access")
struct ImageAccessTests {
    @Test("anyone's image is allowed to all; a private one only to keys the registry accepted; everyone else asks the registry")
    func decisions() {
        #expect(ImageAccess.local.decide(nil) == .allowed)
        #expect(ImageAccess.unknown.decide(nil) == .askRegistry)
        #expect(ImageAccess.unknown.decide("k1") == .askRegistry)
        let a = ImageAccess.unknown.granted("k1", challenged: true)
        #expect(!a.anonymous && a.credentials == ["k1"])
        #expect(a.decide("k1") == .allowed)
        #expect(a.decide("k2") == .askRegistry)
        #expect(a.decide(nil) == .askRegistry)
        // Served without a challenge, or to no credentials at all: the image is anyone's.
        #expect(a.granted("k2", challenged: false).decide(nil) == .allowed)
        #expect(a.granted(nil, challenged: true).decide(nil) == .allowed)
        // A key granted again moves to the newest end; only the newest are kept.
        let many = (0..<40).reduce(a) { $0.granted("n\($1)", challenged: true) }.granted("n5", challenged: true)
        #expect(many.credentials.count == 32 && many.credentials.last == "n5" && !many.credentials.contains("k1"))
        #expect(Set(many.credentials).count == many.credentials.count)
    }

    @Test("credential keys: stable per cache, differ by registry, user, password and cache salt, never hold the secret")
    func keys() throws {
        let root = NSTemporaryDirectory() + "bpfman-access-\(UUID().uuidString.prefix(8))"
        let other = root + "-other"
        defer { for d in [root, other] { try? FileManager.default.removeItem(atPath: d) } }
        let cache = ImageCache(root: root)
        let alice = RegistryAuth(username: "alice", password: "a-pass")
        let k = try cache.credentialKey(alice, registry: "r.example")
        #expect(try cache.credentialKey(alice, registry: "r.example") == k)
        #expect(try ImageCache(root: root).credentialKey(alice, registry: "r.example") == k, "the salt is kept in the cache")
        #expect(try cache.credentialKey(alice, registry: "s.example") != k)
        #expect(try cache.credentialKey(RegistryAuth(username: "alice", password: "b-pass"), registry: "r.example") != k)
        #expect(try cache.credentialKey(RegistryAuth(username: "bob", password: "a-pass"), registry: "r.example") != k)
        #expect(try ImageCache(root: other).credentialKey(alice, registry: "r.example") != k, "another cache, another salt")
        #expect(!k.contains("a-pass") && k.hasPrefix("sha256:"))
        var st = stat()
        #expect(stat(root + "/salt", &st) == 0 && st.st_mode & 0o777 == 0o600, "the salt is root's alone")
    }
}
