/* quay.io/bpfman-bytecode/xdp_pass: counts packets (key 0) and bytes (key 1), passes them all. */
#include "sample.h"

COUNTER_MAP(xdp_stats_map, 2);

SEC("xdp")
int pass(struct xdp_md *ctx) {
    counter_add(&xdp_stats_map, 0, 1);
    counter_add(&xdp_stats_map, 1, (__u64)(ctx->data_end - ctx->data));
    return XDP_PASS;
}
