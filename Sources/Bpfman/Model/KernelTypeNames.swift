import BpfKernel

/// Names of kernel program and map types as bpfman prints them and writes
/// them in image labels (`xdp`, `tc`, `probe`, `tracing`, `per_cpu_array`…).
public enum KernelTypeNames {
    static let maps = [
        "unspec", "hash", "array", "prog_array", "perf_event_array", "per_cpu_hash", "per_cpu_array", "stack_trace",
        "cgroup_array", "lru_hash", "lru_per_cpu_hash", "lpm_trie", "array_of_maps", "hash_of_maps", "devmap",
        "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray", "per_cpu_cgroup_storage",
        "queue", "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
        "bloom_filter", "user_ringbuf", "cgrp_storage",
    ]

    /// `xdp`, `tc`, `probe`, `tracepoint`, `tracing`, …
    public static func program(_ type: UInt32) -> String {
        switch type {
        case BpfProgramTypeID.kprobe: "probe"
        case BpfProgramTypeID.schedCls: "tc"
        default: BpfProgramTypeID.name(type)
        }
    }

    /// Every program type number with its `bpfman list -p` (kebab-case) name.
    static var listNames: [String: UInt32] {
        var names: [String: UInt32] = ["kprobe": BpfProgramTypeID.kprobe]
        for t in 0..<UInt32(BpfProgramTypeID.names.count) {
            names[PlainText.replacing("_", with: "-", in: program(t))] = t
        }
        return names
    }

    public static func map(_ type: UInt32) -> String {
        Int(type) < maps.count ? maps[Int(type)] : "type_\(type)"
    }
}

extension ProgramKind {
    /// `bpfman list -p` names (kebab-case kernel program types) and their numbers.
    public static let listTypeNames: [String: UInt32] = KernelTypeNames.listNames
}
