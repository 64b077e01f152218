/* quay.io/bpfman-bytecode/tracepoint: counts openat calls (key 0). */
#include "sample.h"

COUNTER_MAP(tracepoint_stats_map, 1);

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(void *ctx) {
    counter_add(&tracepoint_stats_map, 0, 1);
    return 0;
}
