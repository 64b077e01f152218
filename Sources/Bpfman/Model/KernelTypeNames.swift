/// Names of kernel program and map types as bpfman prints them and writes
/// them in image labels (`xdp`, `tc`, `probe`, `tracing`, `per_cpu_array`…).
public enum KernelTypeNames {
    static let programs = [
        "unspec", "socket_filter", "probe", "tc", "sched_act", "tracepoint", "xdp", "perf_event", "cgroup_skb",
        "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device", "sk_msg",
        "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport", "flow_dissector",
        "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm",
        "sk_lookup", "syscall", "netfilter",
    ]

    static let maps = [
        "unspec", "hash", "array", "prog_array", "perf_event_array", "per_cpu_hash", "per_cpu_array", "stack_trace",
        "cgroup_array", "lru_hash", "lru_per_cpu_hash", "lpm_trie", "array_of_maps", "hash_of_maps", "devmap",
        "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray", "per_cpu_cgroup_storage",
        "queue", "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage",
        "bloom_filter", "user_ringbuf", "cgrp_storage",
    ]

    /// `xdp`, `tc`, `probe`, `tracepoint`, `tracing`, …
    public static func program(_ type: UInt32) -> String {
        Int(type) < programs.count ? programs[Int(type)] : "type_\(type)"
    }

    public static func map(_ type: UInt32) -> String {
        Int(type) < maps.count ? maps[Int(type)] : "type_\(type)"
    }
}
