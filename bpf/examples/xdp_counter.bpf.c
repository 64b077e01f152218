/* XDP counter: key 0 counts packets, key 1 bytes; every packet passes. */
#include "common.h"

COUNTER_MAP(xdp_stats_map, 2);

SEC("xdp")
int xdp_stats(struct xdp_md *ctx) {
    counter_add(&xdp_stats_map, 0, 1);
    counter_add(&xdp_stats_map, 1, (__u64)(ctx->data_end - ctx->data));
    return XDP_PASS;
}
