import KubeController
import Testing

/// Read-your-writes over a cache: a process's own writes stand in for the
/// cache's copies until the cache catches up, and then go.
@Suite("own writes over a cache")
struct OwnWritesTests {
    struct Obj: Sendable, Equatable { var name: String; var version: Int; var note = "" }

    @Test("newer writes replace, creations the cache lacks are added, deletions it still shows are hidden; caught-up entries go")
    func overlay() {
        let w = OwnWrites<Obj>()
        w.wrote("a", version: 5, Obj(name: "a", version: 5, note: "mine"))
        w.wrote("new", version: 6, Obj(name: "new", version: 6))
        w.wrote("gone", version: 0, nil)
        let cache = ["a": Obj(name: "a", version: 3), "gone": Obj(name: "gone", version: 2), "other": Obj(name: "other", version: 1)]
        let seen = w.overlay(cache, version: \.version)
        #expect(seen["a"]?.note == "mine" && seen["new"] != nil && seen["gone"] == nil && seen["other"] == cache["other"])
        // The cache catches up with "a" (or passes it): the cache's copy wins from then on, even if the entry were older.
        let caught = ["a": Obj(name: "a", version: 7, note: "cache"), "new": Obj(name: "new", version: 6)]
        #expect(w.overlay(caught, version: \.version)["a"]?.note == "cache")
        w.wrote("a", version: 4, Obj(name: "a", version: 4, note: "stale"))
        #expect(w.overlay(caught, version: \.version)["a"]?.note == "cache")
        // A deletion the cache no longer shows is dropped; a forgotten key stands for nothing.
        #expect(w.overlay([:], version: \.version)["gone"] == nil)
        w.forget("new")
        #expect(w.overlay([:], version: \.version)["new"] == nil)
    }

    @Test("newer(key): this process's write while the cache is older, nothing once it caught up")
    func newer() {
        let w = OwnWrites<Obj>()
        #expect(w.newer("x", cachedVersion: 1) == nil)
        w.wrote("x", version: 10, Obj(name: "x", version: 10))
        #expect(w.newer("x", cachedVersion: 9)?.version == 10)
        #expect(w.newer("x", cachedVersion: nil)?.version == 10)
        #expect(w.newer("x", cachedVersion: 10) == nil)
        #expect(w.newer("x", cachedVersion: 9) == nil, "once caught up, the entry is gone")
    }
}
