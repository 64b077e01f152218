import CLibbpf
import FoundationEssentials
import Glibc

/// A libbpf link: pin it so it outlives the process, then let it go.
///
/// Letting go of a pinned link must neither detach it (libbpf's detach of a
/// perf-event link disables the event) nor leak its descriptors (a
/// long-running daemon holding the link fd keeps the program attached after
/// its pin is removed). So once pinned, the link and perf-event descriptors
/// are closed here and libbpf's detach is skipped.
public final class BpfLink {
    let raw: OpaquePointer
    /// perf_event descriptors libbpf opened for this link (kprobe, uprobe, tracepoint).
    private let perfEventFDs: [Int32]
    private var pinned = false

    init(raw: OpaquePointer, perfEventFDs: [Int32]) {
        self.raw = raw
        self.perfEventFDs = perfEventFDs
    }

    static func make(_ operation: String, _ body: () -> OpaquePointer?) throws -> BpfLink {
        LibbpfLog.reset()
        let before = perfEventDescriptors()
        guard let link = body() else {
            throw KernelError(operation, errno: Glibc.errno, libbpfLog: LibbpfLog.text())
        }
        // libbpf 1.x returns NULL and sets errno on failure; older builds encode it.
        let bits = Int(bitPattern: UnsafeRawPointer(link))
        if bits < 0 && bits > -4096 {
            throw KernelError(operation, errno: Int32(-bits), libbpfLog: LibbpfLog.text())
        }
        return BpfLink(raw: link, perfEventFDs: Array(perfEventDescriptors().subtracting(before)))
    }

    /// Open descriptors of this process that are perf events.
    static func perfEventDescriptors() -> Set<Int32> {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        var result: Set<Int32> = []
        for name in names {
            guard let fd = Int32(name),
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                  target == "anon_inode:[perf_event]" else { continue }
            result.insert(fd)
        }
        return result
    }

    /// Pins the link at `path`.
    public func pin(at path: String) throws {
        try LibbpfLog.check("pin link at \(path)") { bpf_link__pin(raw, path) }
        pinned = true
    }

    public var fd: Int32 { bpf_link__fd(raw) }

    deinit {
        if pinned {
            close(bpf_link__fd(raw))
            for fd in perfEventFDs where fd != bpf_link__fd(raw) { close(fd) }
            bpf_link__disconnect(raw)
        }
        // Unpinned (a failed load being rolled back): libbpf detaches and closes.
        bpf_link__destroy(raw)
    }
}
