import Foundation
@testable import KubeSim
import Testing

/// The pure parts of kubesim: JSON, selectors, patches, schema, JSONPath.
@Suite("kubesim units")
struct UnitTests {
    @Test func jsonRoundTripKeepsIntegersAndEscapes() throws {
        let text = #"{"a":9007199254740993,"b":[1.5,true,null,"x\"y\n\u00e9"],"c":{}}"#
        let v = try JSON.parse(text)
        #expect(v["a"] == .int(9007199254740993), "int64 stays exact")
        #expect(v["b"]?.array?[3] == "x\"y\né")
        #expect(try JSON.parse(v.serialized()) == v)
        #expect(v.text.hasPrefix(#"{"a":9007199254740993,"b":"#), "keys sorted")
        for bad in ["{", #"{"a" 1}"#, "[1,]x", "nul", #""abc"#, "{} {}"] {
            #expect(throws: JSONParseError.self) { try JSON.parse(bad) }
        }
    }

    @Test func writesCountedByResource() {
        #expect(RequestCounter.resource("/api/v1/namespaces/default/events") == "events")
        #expect(RequestCounter.resource("/apis/bpfman.io/v1alpha1/tracepointprograms/tp-1/status") == "tracepointprograms/status")
        #expect(RequestCounter.resource("/apis/bpfman.io/v1alpha1/namespaces/ns/bpfnsprograms/p") == "bpfnsprograms")
        #expect(RequestCounter.resource("/api/v1/namespaces") == "namespaces")
        #expect(RequestCounter.resource("/api/v1/namespaces/ns") == "namespaces")
        let counter = RequestCounter()
        counter.count(method: "PATCH", path: "/apis/bpfman.io/v1alpha1/tracepointprograms/a/status", isWatch: false)
        counter.count(method: "PATCH", path: "/apis/bpfman.io/v1alpha1/tracepointprograms/b/status", isWatch: false)
        counter.count(method: "GET", path: "/apis/bpfman.io/v1alpha1/tracepointprograms", isWatch: false)
        counter.count(method: "GET", path: "/apis/bpfman.io/v1alpha1/tracepointprograms", isWatch: true)
        let s = counter.snapshot
        #expect(s.writes == ["PATCH tracepointprograms/status": 2], "reads and watches are not writes")
        #expect(s.byMethod == ["PATCH": 2, "GET": 1, "WATCH": 1])
    }

    @Test func labelSelectorForms() throws {
        let l = ["app": "web", "tier": "front"]
        #expect(try LabelSelector(parsing: "app=web,tier in (front, back)").matches(l))
        #expect(try !LabelSelector(parsing: "app!=web").matches(l))
        #expect(try LabelSelector(parsing: "env notin (prod),!env,app").matches(l))
        #expect(try !LabelSelector(parsing: "tier notin (front)").matches(l))
        #expect(try LabelSelector(parsing: "").isEverything)
        #expect(throws: APIError.self) { try LabelSelector(parsing: "a in b") }
        #expect(throws: APIError.self) { try LabelSelector(parsing: "bad key!") }
    }

    @Test func mergeJSONAndStrategicPatches() throws {
        let base: JSON = ["spec": ["a": 1, "b": ["x": 1], "list": [1, 2]], "metadata": ["labels": ["k": "v"]]]
        let merged = Patches.mergePatch(base, ["spec": ["a": .null, "b": ["y": 2], "list": [3]]])
        #expect(merged["spec"] == ["b": ["x": 1, "y": 2], "list": [3]])

        let jp = try Patches.jsonPatch(base, [["op": "add", "path": "/spec/list/-", "value": 9],
                                              ["op": "test", "path": "/spec/a", "value": 1],
                                              ["op": "move", "from": "/spec/a", "path": "/spec/moved"],
                                              ["op": "remove", "path": "/metadata/labels/k"]])
        #expect(jp["spec"]?["list"] == [1, 2, 9] && jp["spec"]?["moved"] == 1 && jp["spec"]?["a"] == nil)
        #expect(jp["metadata"]?["labels"] == [:])
        #expect(throws: APIError.self) { try Patches.jsonPatch(base, [["op": "replace", "path": "/spec/nope", "value": 1]]) }
        #expect(throws: APIError.self) { try Patches.jsonPatch(base, [["op": "test", "path": "/spec/a", "value": 2]]) }

        let pod: JSON = ["spec": ["containers": [["name": "a", "image": "1"], ["name": "b", "image": "1"]]]]
        let smp = try Patches.strategicMergePatch(pod, ["spec": ["containers": [["name": "b", "image": "2"], ["name": "c", "image": "3"]]]])
        #expect(smp["spec"]?["containers"]?.array?.compactMap { $0["image"]?.string } == ["1", "2", "3"])
        let del = try Patches.strategicMergePatch(pod, ["spec": ["containers": [["name": "a", "$patch": "delete"]]]])
        #expect(del["spec"]?["containers"]?.array?.count == 1)
        let rep = try Patches.strategicMergePatch(pod, ["spec": ["$patch": "replace", "x": 1]])
        #expect(rep["spec"] == ["x": 1])
    }

    @Test func schemaNullsIntOrStringAndListSets() {
        let schema: JSON = ["type": "object", "properties": [
            "spec": ["type": "object", "properties": [
                "port": ["x-kubernetes-int-or-string": true],
                "tags": ["type": "array", "x-kubernetes-list-type": "set", "items": ["type": "string"]],
                "opt": ["type": "string", "default": "d"],
                "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                "name": ["type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"],
            ]]]]
        var o: JSON = ["spec": ["port": "http", "tags": ["a", "a"], "opt": .null, "free": ["any": ["thing": 1]], "name": "Abcdef"]]
        let p = SchemaProcessor.process(&o, schema: schema)
        #expect(o["spec"]?["opt"] == "d", "a null non-nullable field is dropped, then defaulted")
        #expect(o["spec"]?["free"]?["any"]?["thing"] == 1, "preserve-unknown-fields keeps content")
        let fields = p.causes.map(\.field).sorted()
        #expect(fields == ["spec.name", "spec.name", "spec.tags[1]"], "\(p.causes)")
    }

    @Test func printerColumnPaths() {
        let o: JSON = ["status": ["conditions": [["type": "A", "reason": "ra"], ["type": "B", "reason": "rb"]]]]
        #expect(SimpleJSONPath(".status.conditions[0].reason").evaluate(o) == "ra")
        #expect(SimpleJSONPath(#".status.conditions[?(@.type=="B")].reason"#).evaluate(o) == "rb")
        #expect(SimpleJSONPath(".status.conditions[-1].type").evaluate(o) == "B")
        #expect(SimpleJSONPath(".spec.missing").evaluate(o) == nil)
        #expect(TableConverter.age(nil) == "<unknown>")
    }

    @Test func managedFieldsRoundTrip() {
        let o: JSON = ["metadata": ["labels": ["a": "b"], "name": "n"], "spec": ["x": 1, "conditions": [["type": "R", "status": "True"]]]]
        let leaves = ManagedFields.leaves(of: o)
        #expect(leaves.contains(["f:metadata", "f:labels", "f:a"]) && leaves.contains(["f:spec", "f:x"]))
        #expect(leaves.contains(["f:spec", "f:conditions", #"k:{"type":"R"}"#, "f:status"]))
        #expect(ManagedFields.paths(fromFieldsV1: ManagedFields.fieldsV1(leaves)) == leaves)
        let removed = ManagedFields.removing(["f:spec", "f:conditions", #"k:{"type":"R"}"#], from: o)
        #expect(removed["spec"]?["conditions"] == [])
    }
}

extension UnitTests {
    @Test func celSubsetEvaluatesTheRulesOurCRDsUse() {
        let item: JSON = ["type": "XDP", "xdp": ["priority": 5]]
        let rule = "has(self.type) && self.type == 'XDP' ? has(self.xdp) : !has(self.xdp)"
        #expect(CELSubset.evaluate(rule, self: item) == true)
        #expect(CELSubset.evaluate(rule, self: ["type": "TC", "xdp": [:]]) == false)
        #expect(CELSubset.evaluate(rule, self: ["type": "TC"]) == true)
        let kprobe = "self.retprobe == false || self.offset == 0"
        #expect(CELSubset.evaluate(kprobe, self: ["retprobe": true, "offset": 0]) == true)
        #expect(CELSubset.evaluate(kprobe, self: ["retprobe": true, "offset": 8]) == false)
        #expect(CELSubset.evaluate("self.a >= 2 && !(self.b != 'x')", self: ["a": 3, "b": "x"]) == true)
        // Outside the subset: not evaluated, never guessed.
        #expect(CELSubset.evaluate("self.items.all(i, i > 0)", self: ["items": [1]]) == nil)
        #expect(CELSubset.evaluate("self.missing == 1", self: [:]) == nil)
    }
}
