/* quay.io/bpfman-bytecode/tcx_test: tcx_pass counts and passes (TCX_PASS); tcx_next counts and
   hands on to the next program (TCX_NEXT). */
#include "sample.h"

COUNTER_MAP(tcx_stats_map, 2);

SEC("tc")
int tcx_pass(struct __sk_buff *skb) {
    counter_add(&tcx_stats_map, 0, 1);
    counter_add(&tcx_stats_map, 1, skb->len);
    return 0; /* TCX_PASS */
}

SEC("tc")
int tcx_next(struct __sk_buff *skb) {
    counter_add(&tcx_stats_map, 0, 1);
    counter_add(&tcx_stats_map, 1, skb->len);
    return -1; /* TCX_NEXT */
}
