/* Counts openat(2) entries; only those of process `tgid` when it is non-zero. */
#include "common.h"

COUNTER_MAP(tracepoint_stats_map, 1);

const volatile __u32 tgid = 0;

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint_openat(void *ctx) {
    if (tgid && (bpf_get_current_pid_tgid() >> 32) != tgid) return 0;
    counter_add(&tracepoint_stats_map, 0, 1);
    return 0;
}
