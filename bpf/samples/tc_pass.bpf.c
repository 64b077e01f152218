/* quay.io/bpfman-bytecode/tc_pass: counts packets (key 0) and bytes (key 1), passes them all. */
#include "sample.h"

COUNTER_MAP(tc_stats_map, 2);

SEC("classifier")
int pass(struct __sk_buff *skb) {
    counter_add(&tc_stats_map, 0, 1);
    counter_add(&tc_stats_map, 1, skb->len);
    return 0; /* TC_ACT_OK */
}
