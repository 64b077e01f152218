/// The OpenAPI v3 documents kubectl reads: the root index of group-versions,
/// and per group-version the resource paths. Every PATCH operation declares
/// the `fieldValidation` parameter, so kubectl leaves validation to the
/// server (which enforces CRD schemas) instead of validating client-side.
enum OpenAPI {
    static func gvPath(_ t: ResourceType) -> String { t.group.isEmpty ? "api/\(t.version)" : "apis/\(t.group)/\(t.version)" }

    static func root(_ types: [ResourceType], resourceVersion: Int64) -> JSON {
        var paths: [String: JSON] = [:]
        for t in types {
            let p = gvPath(t)
            paths[p] = ["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(resourceVersion)")]
        }
        return ["paths": .object(paths)]
    }

    static func schemaName(_ t: ResourceType) -> String {
        let g = t.group.isEmpty ? "io.k8s.api.core" : t.group.split(separator: ".").reversed().joined(separator: ".")
        return "\(g).\(t.version).\(t.kind)"
    }

    static func document(_ types: [ResourceType]) -> JSON {
        var paths: [String: JSON] = [:]
        var schemas: [String: JSON] = [:]
        for t in types {
            let gvk: JSON = ["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)]
            let ref: JSON = ["$ref": .string("#/components/schemas/\(schemaName(t))")]
            let body: JSON = ["content": ["application/json": ["schema": ref]]]
            let ok: JSON = ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]]
            let params: JSON = [
                ["name": "dryRun", "in": "query", "schema": ["type": "string"]],
                ["name": "fieldManager", "in": "query", "schema": ["type": "string"]],
                ["name": "fieldValidation", "in": "query", "schema": ["type": "string"]],
            ]
            func op(_ id: String, _ withBody: Bool) -> JSON {
                var o: JSON = ["operationId": .string(id + t.kind), "x-kubernetes-group-version-kind": gvk,
                               "parameters": params, "responses": ok]
                if withBody { o["requestBody"] = body }
                return o
            }
            let base = "/" + gvPath(t) + (t.namespaced ? "/namespaces/{namespace}" : "") + "/\(t.plural)"
            paths[base] = ["get": op("list", false), "post": op("create", true)]
            paths[base + "/{name}"] = ["get": op("read", false), "put": op("replace", true), "patch": op("patch", true),
                                       "delete": op("delete", false)]
            if t.hasStatus {
                paths[base + "/{name}/status"] = ["get": op("readStatus", false), "put": op("replaceStatus", true),
                                                  "patch": op("patchStatus", true)]
            }
            var schema = t.schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            schema["x-kubernetes-group-version-kind"] = [gvk]
            schemas[schemaName(t)] = schema
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes (kubesim)", "version": "v1.32.0"],
                "paths": .object(paths), "components": ["schemas": .object(schemas)]]
    }
}
