import CBpfShim
import CLibbpf
import FoundationEssentials
import Glibc

/// What the kernel says about a loaded program (bpf_prog_info and fdinfo).
public struct ProgramKernelInfo: Codable, Sendable, Equatable {
    public var id: UInt32
    public var name: String
    public var programType: UInt32
    /// Wall-clock load time.
    public var loadedAt: Date
    /// Lowercase hex of the 8-byte tag.
    public var tag: String
    public var gplCompatible: Bool
    public var mapIDs: [UInt32]
    public var btfID: UInt32
    public var bytesXlated: UInt32
    public var jited: Bool
    public var bytesJited: UInt32
    public var bytesMemlock: UInt32
    public var verifiedInsns: UInt32

    public init(id: UInt32, name: String, programType: UInt32, loadedAt: Date, tag: String, gplCompatible: Bool,
                mapIDs: [UInt32], btfID: UInt32, bytesXlated: UInt32, jited: Bool, bytesJited: UInt32,
                bytesMemlock: UInt32, verifiedInsns: UInt32) {
        self.id = id; self.name = name; self.programType = programType; self.loadedAt = loadedAt; self.tag = tag
        self.gplCompatible = gplCompatible; self.mapIDs = mapIDs; self.btfID = btfID; self.bytesXlated = bytesXlated
        self.jited = jited; self.bytesJited = bytesJited; self.bytesMemlock = bytesMemlock; self.verifiedInsns = verifiedInsns
    }
}

extension ProgramKernelInfo {
    /// The load time as upstream prints it: local time, `%Y-%m-%dT%H:%M:%S%z`.
    public var loadedAtText: String { TimeText.local(loadedAt) }
}

/// Kernel-wide program queries.
public enum KernelPrograms {
    public static func info(fd: Int32) throws -> ProgramKernelInfo {
        var raw = bpfman_prog_info()
        let rc = bpfman_prog_info_by_fd(fd, &raw)
        if rc < 0 { throw KernelError("read program info", errno: rc) }
        let name = withUnsafeBytes(of: raw.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        // Not String(format:): it sets up Foundation's locale machinery on first use.
        let tag = withUnsafeBytes(of: raw.tag) { Hex.lower($0) }
        let ids = withUnsafeBytes(of: raw.map_ids) { Array($0.bindMemory(to: UInt32.self).prefix(Int(raw.nr_map_ids))) }
        return ProgramKernelInfo(
            id: raw.id, name: name, programType: raw.type,
            loadedAt: wallClock(sinceBootNanoseconds: raw.load_time_ns),
            tag: tag, gplCompatible: raw.gpl_compatible != 0, mapIDs: ids, btfID: raw.btf_id,
            bytesXlated: raw.bytes_xlated, jited: raw.bytes_jited > 0, bytesJited: raw.bytes_jited,
            bytesMemlock: memlock(fd: fd), verifiedInsns: raw.verified_insns)
    }

    /// What the kernel says about the program pinned at `pin`.
    public static func info(pin: String) throws -> ProgramKernelInfo {
        try Pins.open(pin).withRaw { try info(fd: $0) }
    }

    /// Opens a program by kernel id (nil when no such program exists).
    public static func open(id: UInt32) -> FileDescriptor? {
        let fd = bpf_prog_get_fd_by_id(id)
        return fd < 0 ? nil : FileDescriptor(raw: fd)
    }

    public static func info(id: UInt32) -> ProgramKernelInfo? {
        guard let fd = open(id: id) else { return nil }
        return try? fd.withRaw { try info(fd: $0) }
    }

    /// Every program id the kernel has now, ascending.
    public static func allIDs() -> [UInt32] {
        var ids: [UInt32] = []
        var current: UInt32 = 0
        var next: UInt32 = 0
        while bpf_prog_get_next_id(current, &next) == 0 {
            ids.append(next)
            current = next
        }
        return ids
    }

    static func wallClock(sinceBootNanoseconds ns: UInt64) -> Date {
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let bootNow = Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9
        return Date(timeIntervalSinceNow: Double(ns) / 1e9 - bootNow)
    }

    /// `memlock:` from /proc/self/fdinfo, as upstream reports it.
    static func memlock(fd: Int32) -> UInt32 {
        guard let text = try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("memlock:") {
            return UInt32(PlainText.trimmed(line.dropFirst(8))) ?? 0
        }
        return 0
    }
}
