/* quay.io/bpfman-bytecode/uprobe: counts calls of the probed function (key 0). */
#include "sample.h"

COUNTER_MAP(uprobe_stats_map, 1);

SEC("uprobe")
int my_uprobe(void *ctx) {
    counter_add(&uprobe_stats_map, 0, 1);
    return 0;
}
