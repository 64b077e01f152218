import BpfmanModel

/// A container on this node that a container selector picked.
public struct ContainerTarget: Sendable, Equatable {
    public var pod: String
    public var container: String
    public var pid: Int32
    /// The inode of its network namespace, when known: containers of one pod
    /// (and host-network pods) share one, and with it the same interfaces.
    public var netnsInode: UInt64?

    public init(pod: String, container: String, pid: Int32, netnsInode: UInt64? = nil) {
        self.pod = pod; self.container = container; self.pid = pid; self.netnsInode = netnsInode
    }
}

/// One place a program object wants its program on this node: the key that
/// names the BpfProgram (`bpfman.io/bpfProgramAttachPoint`), its annotations,
/// and what bpfman is asked to attach. `attach` is nil when the selector
/// matched no container here (the NoContainersOnNode case: nothing to load).
public struct AttachPoint: Sendable, Equatable {
    public var key: String
    public var annotations: [String: String]
    public var attach: AttachInfo?

    public static let annotationKey = "bpfman.io/bpfProgramAttachPoint"
    /// The key of the one BpfProgram that reports why no attach point could
    /// be worked out on this node (e.g. no interface holds the InternalIP).
    public static let selectionFailedKey = "selection-failed"

    public var noTargets: Bool { attach == nil }
}

/// Attach-point strings as upstream writes them.
public enum AttachPointName {
    /// Strips one leading `/`, turns every `/` and `_` into `-`, lower-cases.
    public static func sanitize(_ s: String) -> String {
        var t = Substring(s)
        if t.first == "/" { t = t.dropFirst() }
        return String(t).replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "_", with: "-").lowercased()
    }
}
