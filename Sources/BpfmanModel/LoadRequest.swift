/// Everything needed to load and attach one program.
public struct LoadRequest: Sendable, Equatable {
    public var bytecode: BytecodeLocation
    /// The BPF function name inside the object.
    public var name: String
    public var attach: AttachInfo
    public var globalData: [String: [UInt8]]
    public var metadata: [String: String]
    public var mapOwnerID: UInt32?
    /// What signature verification said of the image (image bytecode only).
    public var signature: ImageSignature?

    public init(bytecode: BytecodeLocation, name: String, attach: AttachInfo,
                globalData: [String: [UInt8]] = [:], metadata: [String: String] = [:], mapOwnerID: UInt32? = nil) {
        self.bytecode = bytecode; self.name = name; self.attach = attach
        self.globalData = globalData; self.metadata = metadata; self.mapOwnerID = mapOwnerID
    }
}
