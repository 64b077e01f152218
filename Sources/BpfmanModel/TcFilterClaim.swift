/// What bpfman writes down before it attaches a cls_bpf filter, so a crash
/// between the attach and the program's record cannot orphan the filter: the
/// repair pass finds every filter a claim names and removes those no record
/// accounts for.
///
/// A filter is bpfman's only when it sits where a claim says and both its
/// handle and the program it runs are the claim's program id (bpfman gives
/// its filters the program id as handle); nothing else is ever touched.
public struct TcFilterClaim: Codable, Equatable, Sendable {
    public var programID: UInt32
    /// The network namespace path the filter was attached in (nil: bpfman's own).
    public var netns: String?
    /// That namespace's inode when the claim was made: a namespace made again
    /// under the same path is another one, where the filter cannot be.
    public var netnsInode: UInt64
    public var ifindex: UInt32
    public var egress: Bool
    /// Every tc priority a filter of this program may be at: one, or two for
    /// the moment a priority change holds both.
    public var priorities: [UInt32]

    /// The handle bpfman gives the filter of program `programID`.
    public var handle: UInt32 { programID }

    public init(programID: UInt32, netns: String?, netnsInode: UInt64, ifindex: UInt32, egress: Bool, priorities: [UInt32]) {
        self.programID = programID; self.netns = netns; self.netnsInode = netnsInode
        self.ifindex = ifindex; self.egress = egress; self.priorities = priorities
    }
}
