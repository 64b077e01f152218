import CBpfShim
import CLibbpf
import Glibc

/// An opened BPF ELF object (libbpf `bpf_object`), closed on deinit.
///
/// Closing an object does not unload what was pinned or attached: pins and
/// links keep kernel objects alive.
public final class BpfObject {
    let raw: OpaquePointer

    /// Opens the ELF at `path` without loading anything.
    public init(path: String) throws {
        LibbpfLog.reset()
        guard let obj = bpf_object__open(path) else {
            throw KernelError("open BPF object \(path)", errno: Glibc.errno, libbpfLog: LibbpfLog.text())
        }
        raw = obj
    }

    deinit { bpf_object__close(raw) }

    public var programs: [BpfProgram] {
        var result: [BpfProgram] = []
        var p = bpf_object__next_program(raw, nil)
        while let prog = p {
            result.append(BpfProgram(raw: prog, object: self))
            p = bpf_object__next_program(raw, prog)
        }
        return result
    }

    public var maps: [BpfMap] {
        var result: [BpfMap] = []
        var m = bpf_object__next_map(raw, nil)
        while let map = m {
            result.append(BpfMap(raw: map, object: self))
            m = bpf_object__next_map(raw, map)
        }
        return result
    }

    public func program(named name: String) -> BpfProgram? {
        programs.first { $0.name == name }
    }

    /// Where a global variable lives, or nil if the object has none of that name.
    public func global(named name: String) throws -> GlobalVariable? {
        var map: OpaquePointer?
        var offset: UInt32 = 0
        var size: UInt32 = 0
        var isBss = false
        let rc = bpfman_global_lookup(raw, name, &map, &offset, &size, &isBss)
        if rc == -ENODATA {
            throw KernelError("read BTF of the object (compile it with -g to set globals)", errno: rc)
        }
        guard rc == 0, let map else { return nil }
        return GlobalVariable(name: name, map: BpfMap(raw: map, object: self), offset: Int(offset),
                              size: Int(size), isBss: isBss)
    }

    /// Loads every program left to autoload and creates the maps.
    public func load() throws {
        try LibbpfLog.check("load BPF object") { bpf_object__load(raw) }
    }
}

/// A global variable found through the object's BTF.
public struct GlobalVariable {
    public let name: String
    public let map: BpfMap
    public let offset: Int
    public let size: Int
    /// .bss variables are not copied into the map by libbpf at load time.
    public let isBss: Bool

    /// Writes `bytes` into the variable's initial value (before load).
    public func setInitialValue(_ bytes: [UInt8]) throws {
        var total = 0
        guard let base = bpf_map__initial_value(map.raw, &total) else {
            throw KernelError("find initial value of \(name)", errno: EINVAL)
        }
        guard offset + bytes.count <= total else {
            throw KernelError("write global \(name) (outside its section)", errno: EFAULT)
        }
        let dest = UnsafeMutableRawPointer(mutating: base) + offset
        bytes.withUnsafeBytes { dest.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    /// Writes `bytes` into the live map (after load), for .bss variables.
    public func writeLoaded(_ bytes: [UInt8]) throws {
        let fd = map.fd
        let valueSize = Int(bpf_map__value_size(map.raw))
        var value = [UInt8](repeating: 0, count: valueSize)
        var key: UInt32 = 0
        try LibbpfLog.check("read \(map.name)") { bpf_map_lookup_elem(fd, &key, &value) < 0 ? -Glibc.errno : 0 }
        value.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        try LibbpfLog.check("write global \(name)") { bpf_map_update_elem(fd, &key, value, 0) < 0 ? -Glibc.errno : 0 }
    }
}
