import KubeClient

/// What upstream names after a user-facing kind, all derived from the
/// kind's name and scope (operator spec §3.4): the agent controller's name
/// (`xdpnsprogramcontroller`), and from it the finalizer and the prefix of
/// the per-kind annotations; the type string in `BpfProgram.spec.type`; the
/// short name our controllers and logs use (`xdpNs`). Every kind's is
/// `K.reconciler`; there is no list of them besides `AllKinds`.
public struct ReconcilerKind: Sendable, Hashable, CustomStringConvertible {
    /// The kind, e.g. `XdpNsProgram`, `BpfApplication`.
    public let kind: String
    /// Whether it writes namespaced BpfNsPrograms.
    public let isNamespaced: Bool

    public init(kind: String, namespaced: Bool) {
        self.kind = kind
        isNamespaced = namespaced
    }

    public init(_ resource: ResourceInfo) { self.init(kind: resource.kind, namespaced: resource.namespaced) }

    public var isApplication: Bool { kind.hasSuffix("Application") }

    /// `xdp`, `xdpNs`, `tracepoint`, `application`, `nsApplication`.
    public var rawValue: String {
        if isApplication { return isNamespaced ? "nsApplication" : "application" }
        let stem = kind.hasSuffix("Program") ? String(kind.dropLast("Program".count)) : kind
        return stem.prefix(1).lowercased() + stem.dropFirst()
    }

    public var description: String { rawValue }

    /// `spec.type` of the BpfPrograms this kind's controller writes.
    public var typeString: String {
        if isApplication { return "application" }
        let short = rawValue
        return (isNamespaced && short.hasSuffix("Ns") ? String(short.dropLast(2)) : short).lowercased()
    }

    /// The controller name inside finalizers and annotations.
    public var controllerName: String { "\(kind.lowercased())controller" }

    public var finalizer: String { "bpfman.io.\(controllerName)/finalizer" }

    /// Annotation key `bpfman.io.<controller>/<name>`.
    public func annotation(_ name: String) -> String { "bpfman.io.\(controllerName)/\(name)" }
}

extension BpfmanKind {
    /// This kind's controller identity.
    public static var reconciler: ReconcilerKind { ReconcilerKind(resource) }
}
