/* kprobe (key 0) and kretprobe (key 1) counters, for process `tgid` if set. */
#include "common.h"

COUNTER_MAP(kprobe_stats_map, 2);

const volatile __u32 tgid = 0;

static __always_inline int mine(void) {
    return !tgid || (bpf_get_current_pid_tgid() >> 32) == tgid;
}

SEC("kprobe")
int kprobe_counter(void *ctx) {
    if (mine()) counter_add(&kprobe_stats_map, 0, 1);
    return 0;
}

SEC("kretprobe")
int kretprobe_counter(void *ctx) {
    if (mine()) counter_add(&kprobe_stats_map, 1, 1);
    return 0;
}
