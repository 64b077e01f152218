import BpfKernel

/// One program as list/get show it: bpfman's record (absent for programs
/// bpfman did not load) and what the kernel says now.
public struct ProgramEntry: Codable, Sendable, Equatable {
    public var record: ProgramRecord?
    public var kernel: ProgramKernelInfo
    /// Programs sharing this one's maps (ids, the owner first).
    public var mapsUsedBy: [UInt32]
    /// True when the record's program is gone from the kernel (kernel facts are
    /// then the ones saved at load).
    public var stale: Bool
}

extension ListFilter {
    /// What the record alone decides: kind and metadata (the kernel is not asked).
    func matches(record r: ProgramRecord) -> Bool {
        if let t = programType, t != r.kind.bpfmanKind { return false }
        for (k, v) in metadata where r.metadata[k] != v { return false }
        return true
    }

    func matches(_ e: ProgramEntry) -> Bool {
        if let t = programType, t != (e.record?.kind.bpfmanKind ?? e.kernel.programType) { return false }
        if bpfmanOnly && e.record == nil { return false }
        if !metadata.isEmpty {
            guard let r = e.record else { return false }
            for (k, v) in metadata where r.metadata[k] != v { return false }
        }
        return true
    }
}
