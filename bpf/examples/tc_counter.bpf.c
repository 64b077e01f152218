/* TC (clsact, direct action) counter: key 0 packets, key 1 bytes; TC_ACT_OK. */
#include "common.h"

COUNTER_MAP(tc_stats_map, 2);

SEC("classifier")
int stats(struct __sk_buff *skb) {
    counter_add(&tc_stats_map, 0, 1);
    counter_add(&tc_stats_map, 1, skb->len);
    return 0; /* TC_ACT_OK */
}
