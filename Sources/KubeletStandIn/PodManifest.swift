import Foundation
import KubeClient

/// A Pod to create, its spec kept whole (not only the fields the stand-in reads).
struct PodManifest: Codable, Equatable {
    var apiVersion = "v1"
    var kind = "Pod"
    var metadata: ObjectMeta
    var spec: AnyJSON
    var name: String { metadata.name ?? "" }

    static let templateHashLabel = "controller-revision-hash"

    /// A controller's pod: its template bound to `node`, owned by the
    /// controller (apps/v1 `kind`), labelled with a hash of the template.
    init(owner: ObjectMeta, kind: String, template: PodTemplate, name: String, node: String) throws {
        let templateJSON = try JSONEncoder.sorted.encode(template)
        var meta = ObjectMeta(name: name, namespace: owner.namespace,
                              labels: (template.metadata?.labels ?? [:]).merging([Self.templateHashLabel: Self.fnv(templateJSON)]) { _, b in b })
        meta.annotations = template.metadata?.annotations
        meta.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: kind, name: owner.name ?? "", uid: owner.uid ?? "",
                                               controller: true, blockOwnerDeletion: true)]
        var spec = template.spec
        spec[member: "nodeName"] = .string(node)
        self.init(metadata: meta, spec: spec)
    }

    init(metadata: ObjectMeta, spec: AnyJSON) {
        self.metadata = metadata
        self.spec = spec
    }

    /// A short stable hash (FNV-1a, hex) of the template's JSON.
    static func fnv(_ data: Data) -> String {
        var h: UInt32 = 2_166_136_261
        for b in data { h = (h ^ UInt32(b)) &* 16_777_619 }
        return String(h, radix: 16)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }
}
