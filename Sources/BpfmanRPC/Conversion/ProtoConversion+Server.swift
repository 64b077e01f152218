import Bpfman
import BpfmanProto
import Foundation

/// The server's half of the conversion: the core's program entries as
/// bpfman.v1 responses (the client side never sees a kernel record).
extension ProtoConversion {
    public static func programInfo(_ e: ProgramEntry) -> Bpfman_V1_ProgramInfo? {
        guard let r = e.record else { return nil }
        var info = Bpfman_V1_ProgramInfo()
        info.name = r.name
        info.bytecode = location(r.location)
        info.attach = attachInfo(r.attach, position: Int32(r.attachment.position ?? 0))
        info.globalData = r.globalData.mapValues { Data($0) }
        if let owner = r.mapOwnerID { info.mapOwnerID = owner }
        info.mapPinPath = r.mapPinPath
        info.mapUsedBy = e.mapsUsedBy.map(String.init)
        info.metadata = r.metadata
        if let sig = r.signature { info.imageSignature = imageSignature(sig) }
        return info
    }

    /// Kernel facts; `program_type` is bpfman's kind for bpfman programs, as upstream.
    public static func kernelInfo(_ e: ProgramEntry) -> Bpfman_V1_KernelProgramInfo {
        let k = e.kernel
        var m = Bpfman_V1_KernelProgramInfo()
        m.id = k.id
        m.name = k.name
        m.programType = e.record?.kind.bpfmanKind ?? k.programType
        m.loadedAt = k.loadedAtText
        m.tag = k.tag
        m.gplCompatible = k.gplCompatible
        m.mapIds = k.mapIDs
        m.btfID = k.btfID
        m.bytesXlated = k.bytesXlated
        m.jited = k.jited
        m.bytesJited = k.bytesJited
        m.bytesMemlock = k.bytesMemlock
        m.verifiedInsns = k.verifiedInsns
        return m
    }
}
