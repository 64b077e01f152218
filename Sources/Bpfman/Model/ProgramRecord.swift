import BpfKernel

/// bpfman's record of one program it loaded: everything list, get, re-attach
/// and clean-up need. One file per program in the store.
public struct ProgramRecord: Codable, Equatable, Sendable {
    public var id: UInt32
    /// The BPF function name the user asked for.
    public var name: String
    public var location: BytecodeLocation
    public var attach: AttachInfo
    public var globalData: [String: [UInt8]]
    public var metadata: [String: String]
    /// Set when this program uses another program's maps.
    public var mapOwnerID: UInt32?
    /// Directory holding the pinned maps this program uses.
    public var mapPinPath: String
    /// What was made in the kernel and where, to undo it.
    public var attachment: Attachment
    /// The kernel's facts at load time (get/list re-probe the kernel).
    public var kernelInfo: ProgramKernelInfo
    /// The signature verdict of its image; nil for file bytecode and records made before verification.
    public var signature: ImageSignature?

    public init(id: UInt32, name: String, location: BytecodeLocation, attach: AttachInfo,
                globalData: [String: [UInt8]], metadata: [String: String], mapOwnerID: UInt32?,
                mapPinPath: String, attachment: Attachment, kernelInfo: ProgramKernelInfo) {
        self.id = id; self.name = name; self.location = location; self.attach = attach
        self.globalData = globalData; self.metadata = metadata; self.mapOwnerID = mapOwnerID
        self.mapPinPath = mapPinPath; self.attachment = attachment; self.kernelInfo = kernelInfo
    }

    public var kind: ProgramKind { attach.kind }

    /// The program whose map directory this one uses (itself if it owns its maps).
    public var mapGroup: UInt32 { mapOwnerID ?? id }
}

/// Kernel objects made for an attached program.
public struct Attachment: Codable, Equatable, Sendable {
    public var programPin: String
    /// The pinned bpf_link, for link-based attachments.
    public var linkPin: String?
    public var ifindex: UInt32?
    /// Inode of the network namespace (XDP/TC/TCX), identifying the hook.
    public var netnsInode: UInt64?
    public var xdpMode: XdpMode?
    public var tcPriority: UInt32?
    public var tcHandle: UInt32?
    /// Order on the hook (0 runs first), for XDP/TC/TCX.
    public var position: Int?
    /// XDP/TC through a dispatcher: the revision this program is linked into
    /// (`linkPin` is then its freplace link in that revision's directory).
    public var dispatcherRevision: UInt32?

    public init(programPin: String) { self.programPin = programPin }
}
