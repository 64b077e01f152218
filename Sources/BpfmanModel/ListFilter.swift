/// Which programs `list` returns.
public struct ListFilter: Sendable {
    /// Kernel program type, or bpfman kind for bpfman programs.
    public var programType: UInt32?
    public var bpfmanOnly: Bool
    public var metadata: [String: String]

    public init(programType: UInt32? = nil, bpfmanOnly: Bool = true, metadata: [String: String] = [:]) {
        self.programType = programType; self.bpfmanOnly = bpfmanOnly; self.metadata = metadata
    }
}
