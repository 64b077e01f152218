/* fentry (key 0) and fexit (key 1) counters on a kernel function (the section
   names one; bpfman points them at the function the user asks for). */
#include "common.h"
#include <bpf/bpf_tracing.h>

COUNTER_MAP(fentry_stats_map, 2);

const volatile __u32 tgid = 0;

static __always_inline int mine(void) {
    return !tgid || (bpf_get_current_pid_tgid() >> 32) == tgid;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(test_fentry) {
    if (mine()) counter_add(&fentry_stats_map, 0, 1);
    return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(test_fexit) {
    if (mine()) counter_add(&fentry_stats_map, 1, 1);
    return 0;
}
