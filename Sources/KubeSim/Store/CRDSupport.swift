import Foundation

/// What the API server does with a CustomResourceDefinition: checks it,
/// reports it Established, and serves (or stops serving) its resources.
enum CRDSupport {
    static func validate(_ crd: JSON) -> [APIError.Cause] {
        var c: [APIError.Cause] = []
        let spec = crd["spec"] ?? [:]
        let group = spec["group"]?.string ?? ""
        let plural = spec["names"]?["plural"]?.string ?? ""
        if group.isEmpty { c.append(.init(field: "spec.group", reason: "FieldValueRequired", message: "Required value")) }
        if plural.isEmpty { c.append(.init(field: "spec.names.plural", reason: "FieldValueRequired", message: "Required value")) }
        if (spec["names"]?["kind"]?.string ?? "").isEmpty {
            c.append(.init(field: "spec.names.kind", reason: "FieldValueRequired", message: "Required value"))
        }
        let scope = spec["scope"]?.string ?? ""
        if scope != "Namespaced" && scope != "Cluster" {
            c.append(.init(field: "spec.scope", reason: "FieldValueNotSupported",
                           message: "Unsupported value: \"\(scope)\": supported values: \"Cluster\", \"Namespaced\""))
        }
        let name = ObjectMeta.name(crd)
        if !group.isEmpty && !plural.isEmpty && name != "\(plural).\(group)" {
            c.append(.init(field: "metadata.name", reason: "FieldValueInvalid",
                           message: "Invalid value: \"\(name)\": must be spec.names.plural+\".\"+spec.group"))
        }
        let versions = spec["versions"]?.array ?? []
        if versions.isEmpty {
            c.append(.init(field: "spec.versions", reason: "FieldValueInvalid", message: "Invalid value: null: must have exactly one version marked as storage version"))
        } else if versions.filter({ $0["storage"]?.bool == true }).count != 1 {
            c.append(.init(field: "spec.versions", reason: "FieldValueInvalid",
                           message: "Invalid value: \(versions.count): must have exactly one version marked as storage version"))
        }
        return c
    }

    /// The status the API server reports once names are accepted and the CRD is served.
    static func withStatus(_ crd: JSON) -> JSON {
        var o = crd
        let now = o["status"]?["conditions"]?.array?.first?["lastTransitionTime"] ?? .string(ObjectMeta.now())
        let names = o["spec"]?["names"] ?? [:]
        var accepted = names
        if accepted["singular"] == nil, let p = names["kind"]?.string { accepted["singular"] = .string(p.lowercased()) }
        if accepted["listKind"] == nil, let k = names["kind"]?.string { accepted["listKind"] = .string(k + "List") }
        let stored = (o["spec"]?["versions"]?.array ?? []).filter { $0["storage"]?.bool == true }.compactMap { $0["name"] }
        o["status"] = [
            "acceptedNames": accepted,
            "storedVersions": .array(stored),
            "conditions": [
                ["type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": now],
                ["type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": now],
            ],
        ]
        return o
    }

    /// One served type per served version of the CRD.
    static func types(of crd: JSON) -> [ResourceType] {
        let spec = crd["spec"] ?? [:]
        guard let group = spec["group"]?.string, let plural = spec["names"]?["plural"]?.string,
            let kind = spec["names"]?["kind"]?.string
        else { return [] }
        let namespaced = spec["scope"]?.string == "Namespaced"
        return (spec["versions"]?.array ?? []).compactMap { v -> ResourceType? in
            guard v["served"]?.bool != false, let name = v["name"]?.string else { return nil }
            var t = ResourceType(group: group, version: name, kind: kind, plural: plural, namespaced: namespaced)
            t.singular = spec["names"]?["singular"]?.string ?? kind.lowercased()
            t.shortNames = spec["names"]?["shortNames"]?.array?.compactMap(\.string) ?? []
            t.categories = spec["names"]?["categories"]?.array?.compactMap(\.string) ?? []
            t.hasStatus = v["subresources"]?["status"] != nil
            t.schema = v["schema"]?["openAPIV3Schema"]
            t.printerColumns = v["additionalPrinterColumns"]?.array ?? []
            t.crdName = ObjectMeta.name(crd)
            return t
        }
    }
}

extension ObjectStore {
    func serveCRD(_ crd: JSON) {
        unserveCRD(crd, keepBucket: true)
        guard !ObjectMeta.isDeleting(crd) else { return }
        for t in CRDSupport.types(of: crd) { register(t) }
    }

    func unserveCRD(_ crd: JSON, keepBucket: Bool = false) {
        let name = ObjectMeta.name(crd)
        for (k, t) in types where t.crdName == name { types[k] = nil }
        if !keepBucket, let sk = CRDSupport.types(of: crd).first?.storageKey ?? storageKey(ofCRD: crd) {
            buckets[sk] = nil
        }
    }

    func storageKey(ofCRD crd: JSON) -> String? {
        guard let g = crd["spec"]?["group"]?.string, let p = crd["spec"]?["names"]?["plural"]?.string else { return nil }
        return "\(g)/\(p)"
    }

    func crdName(forStorageKey sk: String) -> String? {
        guard let slash = sk.firstIndex(of: "/") else { return nil }
        let group = sk[..<slash]
        guard !group.isEmpty else { return nil }
        let name = "\(sk[sk.index(after: slash)...]).\(group)"
        return buckets["apiextensions.k8s.io/customresourcedefinitions"]?[name] != nil ? name : nil
    }

    /// A CRD being deleted stops being served for new objects and deletes its instances.
    func drainCRD(_ crd: JSON) {
        guard let sk = storageKey(ofCRD: crd) else { return }
        for k in (buckets[sk] ?? [:]).keys {
            if let o = buckets[sk]?[k], !ObjectMeta.isDeleting(o) { deleteLocked(sk, key: k, propagation: .background) }
        }
        finishCRD(crd)
    }

    func finishCRD(_ crd: JSON) {
        guard let sk = storageKey(ofCRD: crd), (buckets[sk] ?? [:]).isEmpty else { return }
        removeFinalizer("customresourcecleanup.apiextensions.k8s.io",
                        storageKey: "apiextensions.k8s.io/customresourcedefinitions", key: ObjectMeta.name(crd))
    }
}
