/* TCX counter that passes the packet on (TCX_NEXT). `tag` names the program:
   key `tag` counts its packets and key 0 holds the tag of the program that ran
   last, so two of them sharing the map show the order they run in. */
#include "common.h"

COUNTER_MAP(tcx_stats_map, 8);

const volatile __u32 tag = 1;

SEC("tc")
int tcx_stats(struct __sk_buff *skb) {
    __u32 t = tag & 7;
    if (t == 0) t = 1;
    counter_add(&tcx_stats_map, t, 1);
    counter_set(&tcx_stats_map, 0, t);
    return -1; /* TCX_NEXT */
}
