/* Programs that record their turn, to prove the order a hook runs them in.
   Several copies share the maps (map_owner_id). Each copy has a `tag`
   (1..15); on every test packet (UDP to `port`) it counts itself and adds one
   to turn_pairs[previous tag * 16 + tag], where the previous tag is the one
   that ran last on this CPU. A chain A -> B -> C over n packets gives A->B
   and B->C n times each, and never B->A. A whole chain runs on one CPU
   without interruption, so other CPUs' packets do not mix in.
   `verdict` is what the copy returns for test packets; other packets get
   `neutral` (the hook's "go on" value) and are not recorded. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TAGS 16

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, TAGS * TAGS);
    __type(key, __u32);
    __type(value, __u64);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} turn_pairs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, TAGS);
    __type(key, __u32);
    __type(value, __u64);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} turn_count SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} turn_last SEC(".maps");

const volatile __u32 tag = 1;
const volatile __s32 verdict = 2;
const volatile __s32 neutral = 2;
const volatile __u16 port = 9999;

static __always_inline int is_test_packet(void *data, void *end) {
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return 0;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5) return 0;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > end) return 0;
    return udp->dest == bpf_htons(port);
}

static __always_inline int take_turn(void *data, void *end) {
    if (!is_test_packet(data, end)) return neutral;
    __u32 me = tag & (TAGS - 1), zero = 0;
    __u32 *last = bpf_map_lookup_elem(&turn_last, &zero);
    if (!last) return neutral;
    __u32 pair = (*last & (TAGS - 1)) * TAGS + me;
    __u64 *n = bpf_map_lookup_elem(&turn_pairs, &pair);
    if (n) __sync_fetch_and_add(n, 1);
    n = bpf_map_lookup_elem(&turn_count, &me);
    if (n) __sync_fetch_and_add(n, 1);
    *last = me;
    return verdict;
}

SEC("xdp")
int xdp_turn(struct xdp_md *ctx) {
    return take_turn((void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

SEC("tc")
int tc_turn(struct __sk_buff *skb) {
    return take_turn((void *)(long)skb->data, (void *)(long)skb->data_end);
}

char LICENSE[] SEC("license") = "GPL";
