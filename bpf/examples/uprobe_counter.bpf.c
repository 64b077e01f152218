/* uprobe counter (key 0); uretprobe counter (key 1) that also keeps the
   probed function's last return value (key 2), which only exists on return. */
#include "common.h"
#include <linux/ptrace.h>
#include <bpf/bpf_tracing.h>

COUNTER_MAP(uprobe_stats_map, 3);

SEC("uprobe")
int uprobe_counter(struct pt_regs *ctx) {
    counter_add(&uprobe_stats_map, 0, 1);
    return 0;
}

SEC("uretprobe")
int uretprobe_counter(struct pt_regs *ctx) {
    counter_add(&uprobe_stats_map, 1, 1);
    counter_set(&uprobe_stats_map, 2, (__u64)PT_REGS_RC(ctx));
    return 0;
}
