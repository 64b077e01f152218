/* Rejected by the verifier on purpose: reads packet data without a bounds check. */
#include "../examples/common.h"

SEC("xdp")
int bad_prog(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    return *(__u32 *)data;
}
