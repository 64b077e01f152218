import AsyncHTTPClient
import Foundation
import KubeSim
import NIOHTTP1
import Testing

/// Watch semantics: bookmarks, selectors moving objects in and out, many watchers.
@Suite("kubesim watches", .serialized)
struct WatchTests {
    @Test func bookmarksCarryTheCurrentResourceVersion() async throws {
        try await SimHarness.with({ $0.bookmarkInterval = .milliseconds(300) }) { h in
            _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("b1"))
            var types: [String] = []
            var bookmarkRV = ""
            for try await e in try await h.watch(Fixtures.configMaps + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=2") {
                types.append(e["type"]?.string ?? "")
                if e["type"] == "BOOKMARK" {
                    bookmarkRV = e["object"]?["metadata"]?["resourceVersion"]?.string ?? ""
                    #expect(e["object"]?["kind"] == "ConfigMap")
                }
            }
            #expect(types.first == "ADDED" && types.contains("BOOKMARK"), "\(types)")
            #expect(bookmarkRV == String(h.sim.store.currentResourceVersion))
            // Without allowWatchBookmarks there are none.
            var plain: [String] = []
            for try await e in try await h.watch(Fixtures.configMaps + "?watch=true&timeoutSeconds=1") {
                plain.append(e["type"]?.string ?? "")
            }
            #expect(plain == ["ADDED"])
        }
    }

    @Test func labelSelectorWatchSeesObjectsEnterAndLeave() async throws {
        try await SimHarness.with { h in
            let stream = try await h.watch(Fixtures.configMaps + "?watch=true&timeoutSeconds=120&labelSelector=team%3Dblue")
            var cm = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("mover", labels: ["team": "red"])).body
            cm["metadata"]?["labels"] = ["team": "blue"]
            cm = try await h.request(.PUT, Fixtures.configMaps + "/mover", body: cm).body
            cm["data"] = ["k": "changed"]
            cm = try await h.request(.PUT, Fixtures.configMaps + "/mover", body: cm).body
            cm["metadata"]?["labels"] = ["team": "red"]
            cm = try await h.request(.PUT, Fixtures.configMaps + "/mover", body: cm).body
            _ = try await h.request(.DELETE, Fixtures.configMaps + "/mover")
            // Read what the writes produce, plus anything extra within a second after.
            var seen: [String] = []
            let reader = Task {
                var got: [String] = []
                for try await e in stream { got.append(e["type"]?.string ?? "") }
                return got
            }
            try await Task.sleep(for: .seconds(1))
            _ = try await h.request(.POST, "/kubesim/cut-watches", body: [:])
            seen = try await reader.value
            #expect(seen == ["ADDED", "MODIFIED", "DELETED"], "\(seen)")
        }
    }

    @Test func manyWatchersEachGetEveryEventInOrder() async throws {
        try await SimHarness.with({ $0.tls = false }) { h in
            let start = String(h.sim.store.currentResourceVersion)
            var streams: [AsyncThrowingStream<JSON, Error>] = []
            for _ in 0..<25 {
                streams.append(try await h.watch(Fixtures.configMaps + "?watch=true&timeoutSeconds=120&resourceVersion=\(start)"))
            }
            for i in 0..<40 { _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("w\(i)")) }
            try await withThrowingTaskGroup(of: [String].self) { g in
                for s in streams {
                    g.addTask {
                        var names: [String] = []
                        for try await e in s {
                            names.append(e["object"]?["metadata"]?["name"]?.string ?? "")
                            if names.count == 40 { break }
                        }
                        return names
                    }
                }
                for try await names in g { #expect(names == (0..<40).map { "w\($0)" }) }
            }
        }
    }

    @Test func deleteCollectionBySelector() async throws {
        try await SimHarness.with { h in
            for i in 0..<4 {
                _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("dc\(i)", labels: ["odd": String(i % 2)]))
            }
            let r = try await h.request(.DELETE, Fixtures.configMaps + "?labelSelector=odd%3D1")
            #expect(r.status == 200 && r.body["items"]?.array?.count == 2)
            let left = try await h.request(.GET, Fixtures.configMaps)
            #expect(left.body["items"]?.array?.compactMap { $0["metadata"]?["name"]?.string } == ["dc0", "dc2"])
        }
    }
}
