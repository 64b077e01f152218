import CLibbpf
import Glibc

/// A libbpf link: pin it so it outlives the process, then let it go.
public final class BpfLink {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    static func make(_ operation: String, _ body: () -> OpaquePointer?) throws -> BpfLink {
        LibbpfLog.reset()
        guard let link = body() else {
            throw KernelError(operation, errno: Glibc.errno, libbpfLog: LibbpfLog.text())
        }
        // libbpf 1.x returns NULL and sets errno on failure; older builds encode it.
        let bits = Int(bitPattern: UnsafeRawPointer(link))
        if bits < 0 && bits > -4096 {
            throw KernelError(operation, errno: Int32(-bits), libbpfLog: LibbpfLog.text())
        }
        return BpfLink(raw: link)
    }

    /// Pins the link at `path`.
    public func pin(at path: String) throws {
        try LibbpfLog.check("pin link at \(path)") { bpf_link__pin(raw, path) }
    }

    public var fd: Int32 { bpf_link__fd(raw) }

    deinit {
        // Disconnect first: destroying a connected link detaches it, but a
        // pinned link must stay attached after this process lets go of it.
        bpf_link__disconnect(raw)
        bpf_link__destroy(raw)
    }
}
