/// The discovery documents kubectl reads to learn what is served
/// (legacy, unaggregated form; kubectl falls back to it by itself).
enum Discovery {
    static func version() -> JSON {
        ["major": "1", "minor": "32", "gitVersion": "v1.32.0-kubesim", "gitCommit": "kubesim",
         "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "none",
         "compiler": "swift", "platform": "linux/amd64"]
    }

    static func coreVersions() -> JSON {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"]]]
    }

    static func groups(_ types: [ResourceType], extra: [(group: String, version: String)]) -> [String: [String]] {
        var g: [String: Set<String>] = [:]
        for t in types where !t.group.isEmpty { g[t.group, default: []].insert(t.version) }
        for e in extra { g[e.group, default: []].insert(e.version) }
        return g.mapValues { $0.sorted(by: versionOrder) }
    }

    /// Kubernetes version priority: GA before beta before alpha, higher numbers first.
    static func versionOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ v: String) -> (Int, Int, Int) {
            let s = v.dropFirst()
            let digits = s.prefix { $0.isNumber }
            let major = Int(digits) ?? 0
            let rest = s.dropFirst(digits.count)
            if rest.isEmpty { return (3, major, 0) }
            let minor = Int(rest.drop { !$0.isNumber }) ?? 0
            return (rest.hasPrefix("beta") ? 2 : 1, major, minor)
        }
        let ra = rank(a), rb = rank(b)
        return ra.0 != rb.0 ? ra.0 > rb.0 : (ra.1 != rb.1 ? ra.1 > rb.1 : ra.2 > rb.2)
    }

    static func groupJSON(_ name: String, _ versions: [String]) -> JSON {
        let vs: [JSON] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(vs), "preferredVersion": vs.first ?? .null]
    }

    static func groupList(_ types: [ResourceType], extra: [(group: String, version: String)]) -> JSON {
        let g = groups(types, extra: extra)
        return ["kind": "APIGroupList", "apiVersion": "v1",
                "groups": .array(g.keys.sorted().map { groupJSON($0, g[$0]!) })]
    }

    static func group(_ name: String, _ types: [ResourceType], extra: [(group: String, version: String)]) -> JSON? {
        guard let vs = groups(types, extra: extra)[name] else { return nil }
        var j = groupJSON(name, vs)
        j["kind"] = "APIGroup"
        j["apiVersion"] = "v1"
        return j
    }

    static func resourceList(groupVersion: String, _ types: [ResourceType]) -> JSON {
        var resources: [JSON] = []
        for t in types.sorted(by: { $0.plural < $1.plural }) {
            var r: JSON = ["name": .string(t.plural), "singularName": .string(t.singular), "namespaced": .bool(t.namespaced),
                           "kind": .string(t.kind), "verbs": .array(t.verbs.map(JSON.string))]
            if !t.shortNames.isEmpty { r["shortNames"] = .array(t.shortNames.map(JSON.string)) }
            if !t.categories.isEmpty { r["categories"] = .array(t.categories.map(JSON.string)) }
            resources.append(r)
            if t.hasStatus {
                resources.append(["name": .string(t.plural + "/status"), "singularName": "", "namespaced": .bool(t.namespaced),
                                  "kind": .string(t.kind), "verbs": ["get", "patch", "update"]])
            }
            if t.hasScale {
                resources.append(["name": .string(t.plural + "/scale"), "singularName": "", "namespaced": .bool(t.namespaced),
                                  "group": "autoscaling", "version": "v1", "kind": "Scale",
                                  "verbs": ["get", "patch", "update"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
                "resources": .array(resources)]
    }
}
