/* quay.io/bpfman-bytecode/go-app-counter (the BpfApplication samples): one
   object with an XDP, a TC and a TCX program, each counting packets (key 0)
   and bytes (key 1) in a map of its own and passing every packet on. */
#include "sample.h"

COUNTER_MAP(xdp_stats_map, 2);
COUNTER_MAP(tc_stats_map, 2);
COUNTER_MAP(tcx_stats_map, 2);

SEC("xdp")
int xdp_stats(struct xdp_md *ctx) {
    counter_add(&xdp_stats_map, 0, 1);
    counter_add(&xdp_stats_map, 1, ctx->data_end - ctx->data);
    return XDP_PASS;
}

SEC("classifier")
int stats(struct __sk_buff *skb) {
    counter_add(&tc_stats_map, 0, 1);
    counter_add(&tc_stats_map, 1, skb->len);
    return 0; /* TC_ACT_OK */
}

SEC("classifier")
int tcx_stats(struct __sk_buff *skb) {
    counter_add(&tcx_stats_map, 0, 1);
    counter_add(&tcx_stats_map, 1, skb->len);
    return -1; /* TCX_NEXT */
}
