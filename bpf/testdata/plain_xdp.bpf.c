/* The smallest XDP program (no maps): for "loaded without bpfman" tests and
   as the bpftool floor in the benchmark. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int plain_xdp(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
