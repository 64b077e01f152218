/* Rejected by the verifier on purpose: reads a map value without a NULL check. */
#include "../examples/common.h"

COUNTER_MAP(bad_map, 1);

SEC("xdp")
int bad_prog(struct xdp_md *ctx) {
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&bad_map, &k);
    return (int)*v;
}
