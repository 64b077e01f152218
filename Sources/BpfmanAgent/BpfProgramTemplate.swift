import BpfmanAPI
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

    /// The owner as bpfman's `bpfman.io/Owner` metadata names it.
    public var ownerIdentity: String { Self.ownerIdentity(kind: owner.kind, namespace: namespace, name: owner.name) }

    /// `<Kind>/<name>`, or `<Kind>/<namespace>/<name>` for a namespaced owner.
    public static func ownerIdentity(kind: String, namespace: String?, name: String) -> String {
        [kind, namespace, name].compactMap { $0 }.joined(separator: "/")
    }

    /// What an `ownerIdentity` was made of; nil for any other text.
    public static func owner(ofIdentity identity: String) -> (kind: String, namespace: String?, name: String)? {
        let parts = identity.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        return (parts[0], parts.count == 3 ? parts[1] : nil, parts[parts.count - 1])
    }

    /// The labels that find this owner's BpfPrograms on this node.
    public var labels: [String: String] {
        [Self.ownedByLabel: owner.name, Self.appProgramIDLabel: appProgramID, Self.hostnameLabel: node]
    }

    /// `<base>-<8 hex>`, upstream's shape. The hex is not random as upstream's
    /// is but a hash of what the object stands for (kind, owner and its UID,
    /// application entry, attach point, node), so the agent knows the name
    /// before the object exists: it loads first, with the name in bpfman's
    /// metadata, and creates the object with the kernel id in one write; a
    /// program loaded by a pass that ended before the create is found again
    /// by the next pass under the same name.
    public func name(for point: AttachPoint) -> String {
        let identity = [kind.kind, namespace ?? "", owner.name, owner.uid, appProgramID, point.key, node].joined(separator: "\u{0}")
        return "\(baseName)-\(Self.hex8(identity))"
    }

    /// The low 32 bits of the string's 64-bit FNV-1a hash, as 8 hex digits.
    static func hex8(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(UInt32(truncatingIfNeeded: h ^ (h >> 32)), radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    public func metadata(for point: AttachPoint) -> ObjectMeta {
        var m = ObjectMeta(name: name(for: point), namespace: kind.isNamespaced ? namespace : nil)
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
