import Foundation
import Yams

/// Builds the OLM bundle (registry+v1) from `kubectl kustomize config/manifests`
/// without operator-sdk: the CSV base filled in (version, owned CRDs,
/// alm-examples from the samples, the install strategy from the operator
/// Deployment and the roles bound to its ServiceAccount), every other object as
/// its own file, the metadata and the scorecard configuration.
public struct OLMBundle {
    public struct Options: Sendable {
        public var version: String
        public var packageName = "bpfman-operator"
        public var channels = "alpha"
        public var defaultChannel: String?
        public var dependencies: String?
        public init(version: String) { self.version = version }
    }

    public struct BundleError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = "bundle: " + d }
    }

    public typealias Object = [String: Any]

    /// Paths relative to the repository root (bundle/…, bundle.Dockerfile) and their contents.
    public static func files(rendered yaml: String, options: Options) throws -> [String: String] {
        let docs: [Object]
        do {
            docs = try Yams.load_all(yaml: yaml).compactMap { $0 as? Object }
        } catch { throw BundleError("the rendered manifests do not parse as YAML: \(error)") }
        return try build(docs, options)
    }

    static func build(_ docs: [Object], _ o: Options) throws -> [String: String] {
        func kind(_ d: Object) -> String { d["kind"] as? String ?? "" }
        func name(_ d: Object) -> String { (d["metadata"] as? Object)?["name"] as? String ?? "" }
        func group(_ d: Object) -> String {
            let api = d["apiVersion"] as? String ?? ""
            return api.contains("/") ? String(api.split(separator: "/")[0]) : ""
        }
        guard var csv = docs.first(where: { kind($0) == "ClusterServiceVersion" }) else {
            throw BundleError("no ClusterServiceVersion in the input (config/manifests/bases)")
        }
        let deployments = docs.filter { kind($0) == "Deployment" }
        guard deployments.count == 1, let deployment = deployments.first else {
            throw BundleError("expected exactly one Deployment (the operator), found \(deployments.count)")
        }
        let podSpec = ((deployment["spec"] as? Object)?["template"] as? Object)?["spec"] as? Object ?? [:]
        guard let account = podSpec["serviceAccountName"] as? String else {
            throw BundleError("the Deployment \(name(deployment)) names no serviceAccountName")
        }
        let crds = docs.filter { kind($0) == "CustomResourceDefinition" }
        let ownedGroups = Set(crds.compactMap { ($0["spec"] as? Object)?["group"] as? String })
        let ownedKinds = Set(crds.compactMap { (($0["spec"] as? Object)?["names"] as? Object)?["kind"] as? String })
        let samples = docs.filter { ownedGroups.contains(group($0)) && kind($0) != "CustomResourceDefinition" }
        for s in samples where !ownedKinds.contains(kind(s)) {
            throw BundleError("sample \(name(s)) is a \(kind(s)), which no CRD in the bundle defines")
        }

        // Roles bound to the operator's ServiceAccount become the CSV's permissions.
        func boundToOperator(_ b: Object) -> Bool {
            (b["subjects"] as? [Object] ?? []).contains { $0["kind"] as? String == "ServiceAccount" && $0["name"] as? String == account }
        }
        var clusterPermissions: [Object] = []
        var permissions: [Object] = []
        var consumed = Set<String>()
        for b in docs where ["ClusterRoleBinding", "RoleBinding"].contains(kind(b)) && boundToOperator(b) {
            let ref = b["roleRef"] as? Object ?? [:]
            let roleKind = ref["kind"] as? String ?? "", roleName = ref["name"] as? String ?? ""
            consumed.insert("\(kind(b))/\(name(b))")
            guard let role = docs.first(where: { kind($0) == roleKind && name($0) == roleName }) else {
                // A role OLM does not ship (e.g. a built-in ClusterRole): the binding stays a file.
                consumed.remove("\(kind(b))/\(name(b))")
                continue
            }
            consumed.insert("\(roleKind)/\(roleName)")
            let entry: Object = ["serviceAccountName": account, "rules": role["rules"] ?? []]
            if kind(b) == "ClusterRoleBinding" { clusterPermissions.append(entry) } else { permissions.append(entry) }
        }

        var out: [String: String] = [:]
        var rest: [Object] = []
        for d in docs {
            switch kind(d) {
            case "ClusterServiceVersion", "Deployment", "Namespace": continue
            case "ServiceAccount" where name(d) == account: continue
            case "Configuration" where group(d) == "scorecard.operatorframework.io":
                out["bundle/tests/scorecard/config.yaml"] = try dump(d)
            case _ where samples.contains(where: { kind($0) == kind(d) && name($0) == name(d) }): continue
            case _ where consumed.contains("\(kind(d))/\(name(d))"): continue
            default: rest.append(d)
            }
        }
        for d in rest { out["bundle/manifests/" + fileName(d)] = try dump(d) }

        // The CSV.
        var meta = csv["metadata"] as? Object ?? [:]
        meta["name"] = "\(o.packageName).v\(o.version)"
        var annotations = meta["annotations"] as? Object ?? [:]
        annotations["alm-examples"] = try json(samples.sorted { (kind($0), name($0)) < (kind($1), name($1)) })
        let image = ((podSpec["containers"] as? [Object]) ?? []).first { ($0["name"] as? String) == "bpfman-operator" }?["image"]
        if let image { annotations["containerImage"] = image }
        meta["annotations"] = annotations
        csv["metadata"] = meta
        var spec = csv["spec"] as? Object ?? [:]
        spec["version"] = o.version
        spec["customresourcedefinitions"] = ["owned": crds.map(owned).sorted { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") }]
        var deploymentEntry: Object = ["name": name(deployment), "spec": deployment["spec"] ?? [:]]
        if let labels = (deployment["metadata"] as? Object)?["labels"] { deploymentEntry["label"] = labels }
        var install: Object = ["deployments": [deploymentEntry]]
        if !clusterPermissions.isEmpty { install["clusterPermissions"] = clusterPermissions }
        if !permissions.isEmpty { install["permissions"] = permissions }
        spec["install"] = ["strategy": "deployment", "spec": install]
        csv["spec"] = spec
        out["bundle/manifests/\(o.packageName).clusterserviceversion.yaml"] = try dump(csv)

        // Metadata and the bundle image's Dockerfile carry the same labels.
        let labels = annotationsList(o)
        out["bundle/metadata/annotations.yaml"] = "annotations:\n" + labels.map { "  \($0.0): \($0.1)\n" }.joined()
        if let deps = o.dependencies { out["bundle/metadata/dependencies.yaml"] = deps }
        out["bundle.Dockerfile"] = """
            # Generated by `make bundle` (bpfman-manifests bundle): the OLM bundle image.
            FROM scratch

            \(labels.map { "LABEL \($0.0)=\($0.1)" }.joined(separator: "\n"))

            COPY bundle/manifests /manifests/
            COPY bundle/metadata /metadata/
            COPY bundle/tests/scorecard /tests/scorecard/

            """
        return out
    }

    static func annotationsList(_ o: Options) -> [(String, String)] {
        var l: [(String, String)] = [
            ("operators.operatorframework.io.bundle.mediatype.v1", "registry+v1"),
            ("operators.operatorframework.io.bundle.manifests.v1", "manifests/"),
            ("operators.operatorframework.io.bundle.metadata.v1", "metadata/"),
            ("operators.operatorframework.io.bundle.package.v1", o.packageName),
            ("operators.operatorframework.io.bundle.channels.v1", o.channels),
        ]
        if let d = o.defaultChannel { l.append(("operators.operatorframework.io.bundle.channel.default.v1", d)) }
        l += [
            ("operators.operatorframework.io.metrics.builder", "bpfman-manifests"),
            ("operators.operatorframework.io.metrics.mediatype.v1", "metrics+v1"),
            ("operators.operatorframework.io.metrics.project_layout", "go.kubebuilder.io/v3"),
            ("operators.operatorframework.io.test.mediatype.v1", "scorecard+v1"),
            ("operators.operatorframework.io.test.config.v1", "tests/scorecard/"),
        ]
        return l
    }

    /// The CSV's owned entry for a CRD, with a display name from its kind.
    static func owned(_ crd: Object) -> Object {
        let spec = crd["spec"] as? Object ?? [:]
        let names = spec["names"] as? Object ?? [:]
        let kind = names["kind"] as? String ?? ""
        let version = ((spec["versions"] as? [Object])?.first?["name"] as? String) ?? "v1alpha1"
        let schema = (((spec["versions"] as? [Object])?.first?["schema"] as? Object)?["openAPIV3Schema"] as? Object) ?? [:]
        var entry: Object = ["name": "\(names["plural"] as? String ?? "").\(spec["group"] as? String ?? "")", "kind": kind,
                             "version": version, "displayName": displayName(kind)]
        if let d = schema["description"] as? String { entry["description"] = d }
        return entry
    }

    /// "TcxNsProgram" → "TCX Namespaced Program", "BpfApplication" → "Bpf Application".
    public static func displayName(_ kind: String) -> String {
        var words: [String] = []
        for c in kind {
            if c.isUppercase || words.isEmpty { words.append(String(c)) } else { words[words.count - 1].append(c) }
        }
        return words.map { ["Tc": "TC", "Tcx": "TCX", "Ns": "Namespaced"][$0] ?? $0 }.joined(separator: " ")
    }

    /// operator-sdk's file names: `<group>_<plural>.yaml` for CRDs, else
    /// `<name>_<group>_<version>_<kind>.yaml` (core objects: `<name>_v1_<kind>.yaml`).
    static func fileName(_ d: Object) -> String {
        let kind = d["kind"] as? String ?? ""
        if kind == "CustomResourceDefinition", let spec = d["spec"] as? Object {
            return "\(spec["group"] as? String ?? "")_\((spec["names"] as? Object)?["plural"] as? String ?? "").yaml"
        }
        let api = (d["apiVersion"] as? String ?? "").replacingOccurrences(of: "/", with: "_")
        let name = (d["metadata"] as? Object)?["name"] as? String ?? ""
        return "\(name)_\(api)_\(kind.lowercased()).yaml"
    }

    static func dump(_ d: Object) throws -> String {
        try Yams.dump(object: d, width: -1, sortKeys: true)
    }

    static func json(_ v: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: v, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
