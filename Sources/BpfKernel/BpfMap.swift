import CBpfShim
import CLibbpf
import Glibc

/// One map of a `BpfObject`.
public struct BpfMap {
    let raw: OpaquePointer
    let object: BpfObject

    public var name: String { String(cString: bpf_map__name(raw)) }
    public var fd: Int32 { bpf_map__fd(raw) }
    /// The kernel map type (enum bpf_map_type).
    public var type: UInt32 { bpfman_map_type(raw) }
    /// libbpf's internal maps (.rodata, .data, .bss, .kconfig) are never pinned by bpfman.
    public var isInternal: Bool { bpf_map__is_internal(raw) }
    /// Set for maps declared with LIBBPF_PIN_BY_NAME.
    public var pinPath: String? {
        bpf_map__pin_path(raw).map { String(cString: $0) }
    }

    public func setPinPath(_ path: String?) throws {
        try LibbpfLog.check("set pin path of map \(name)") { bpf_map__set_pin_path(raw, path) }
    }

    public func pin(at path: String) throws {
        try LibbpfLog.check("pin map \(name) at \(path)") { bpf_map__pin(raw, path) }
    }
}

/// Reads and writes of map elements through a descriptor (e.g. from a pin).
public enum MapAccess {
    public static func lookupU64(fd: Int32, key: UInt32) throws -> UInt64 {
        var k = key
        var v: UInt64 = 0
        if bpf_map_lookup_elem(fd, &k, &v) != 0 {
            throw KernelError("look up key \(key)", errno: Glibc.errno)
        }
        return v
    }

    public static func lookupU64(pin: String, key: UInt32) throws -> UInt64 {
        try Pins.open(pin).withRaw { try lookupU64(fd: $0, key: key) }
    }

    public static func info(pin: String) throws -> MapKernelInfo {
        try Pins.open(pin).withRaw { try info(fd: $0) }
    }

    public static func info(fd: Int32) throws -> MapKernelInfo {
        var info = bpfman_map_info()
        let rc = bpfman_map_info_by_fd(fd, &info)
        if rc < 0 { throw KernelError("read map info", errno: rc) }
        let name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return MapKernelInfo(id: info.id, name: name, type: info.type)
    }
}

/// What the kernel says about a map.
public struct MapKernelInfo: Sendable, Equatable {
    public let id: UInt32
    public let name: String
    public let type: UInt32
}
