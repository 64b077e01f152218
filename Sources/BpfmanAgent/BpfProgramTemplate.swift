import BpfmanAPI
import Foundation
import KubeClient

/// The per-node BpfProgram (or BpfNsProgram) for one attach point, with
/// upstream's name, three labels, annotations, finalizer and controller
/// owner reference (operator spec §3.4).
public struct BpfProgramTemplate: Sendable {
    public static let ownedByLabel = BpfProgramLabels.ownedBy
    public static let appProgramIDLabel = BpfProgramLabels.appProgramID
    public static let hostnameLabel = BpfProgramLabels.hostname
    public static let programIDAnnotation = BpfProgramLabels.programIDAnnotation

    public var kind: ReconcilerKind
    public var node: String
    /// The owner: the program object, or the (Ns)BpfApplication.
    public var owner: OwnerReference
    /// "" for standalone objects; the entry's id for application programs.
    public var appProgramID: String
    /// The name BpfPrograms are named after (`<app>-<type>` for applications).
    public var baseName: String
    public var namespace: String?

    public init(kind: ReconcilerKind, node: String, owner: OwnerReference, appProgramID: String = "", baseName: String? = nil,
                namespace: String? = nil) {
        self.kind = kind; self.node = node; self.owner = owner; self.appProgramID = appProgramID
        self.baseName = baseName ?? owner.name; self.namespace = namespace
    }

    /// The labels that find this owner's BpfPrograms on this node.
    public var labels: [String: String] {
        [Self.ownedByLabel: owner.name, Self.appProgramIDLabel: appProgramID, Self.hostnameLabel: node]
    }

    /// `<base>-<8 hex>`, fresh each time (only the created object keeps it).
    public static func name(_ base: String) -> String {
        "\(base)-\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased())"
    }

    public func metadata(for point: AttachPoint) -> ObjectMeta {
        var m = ObjectMeta(name: Self.name(baseName), namespace: kind.isNamespaced ? namespace : nil)
        m.labels = labels
        m.annotations = point.annotations
        m.finalizers = [kind.finalizer]
        var ref = owner
        ref.controller = true
        ref.blockOwnerDeletion = true
        m.ownerReferences = [ref]
        return m
    }

    public func object(for point: AttachPoint) -> BpfProgram {
        var o = BpfProgram(metadata: metadata(for: point), spec: BpfProgramSpec(type: kind.typeString), status: ProgramStatus(conditions: []))
        if kind.isNamespaced { o.kind = BpfNsProgramKind.resource.kind }
        return o
    }
}
