/* quay.io/bpfman-bytecode/kprobe: counts calls of the probed kernel function (key 0). */
#include "sample.h"

COUNTER_MAP(kprobe_stats_map, 1);

SEC("kprobe")
int my_kprobe(void *ctx) {
    counter_add(&kprobe_stats_map, 0, 1);
    return 0;
}
