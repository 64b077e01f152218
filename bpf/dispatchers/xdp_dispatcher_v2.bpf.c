// SPDX-License-Identifier: GPL-2.0
// XDP dispatcher with libxdp's v2 layout: ten extension slots prog0..prog9,
// a compat_test slot, and the configuration in .rodata (symbol `conf`).
// Each slot's program is attached by freplace; a slot with nothing attached
// returns XDP_DISPATCHER_RETVAL, which is always in the proceed-on mask.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XDP_DISPATCHER_MAGIC 236
#define XDP_DISPATCHER_VERSION 2
#define XDP_DISPATCHER_RETVAL 31
#define MAX_DISPATCHER_ACTIONS 10

struct xdp_dispatcher_config {
	__u8 magic;
	__u8 dispatcher_version;
	__u8 num_progs_enabled;
	__u8 is_xdp_frags;
	__u32 chain_call_actions[MAX_DISPATCHER_ACTIONS];
	__u32 run_prios[MAX_DISPATCHER_ACTIONS];
	__u32 program_flags[MAX_DISPATCHER_ACTIONS];
};

/* Written by bpfman before load; frozen, so unused slots are pruned. */
static volatile const struct xdp_dispatcher_config conf = {};

#define STUB(name)                                              \
	__attribute__((noinline)) int name(struct xdp_md *ctx)  \
	{                                                       \
		volatile int ret = XDP_DISPATCHER_RETVAL;       \
		if (!ctx)                                       \
			return XDP_ABORTED;                     \
		return ret;                                     \
	}

STUB(prog0)
STUB(prog1)
STUB(prog2)
STUB(prog3)
STUB(prog4)
STUB(prog5)
STUB(prog6)
STUB(prog7)
STUB(prog8)
STUB(prog9)
STUB(compat_test)

/* Run slot i; stop with its verdict unless the verdict's bit is in the slot's mask. */
#define SLOT(i)                                                         \
	if (num < (i) + 1)                                              \
		goto out;                                               \
	ret = prog##i(ctx);                                             \
	if (!((1U << (ret & 31)) & conf.chain_call_actions[i]))        \
		return ret;

SEC("xdp")
int xdp_dispatcher(struct xdp_md *ctx)
{
	__u8 num = conf.num_progs_enabled;
	int ret;

	SLOT(0)
	SLOT(1)
	SLOT(2)
	SLOT(3)
	SLOT(4)
	SLOT(5)
	SLOT(6)
	SLOT(7)
	SLOT(8)
	SLOT(9)
	/* Reachable only when num_progs_enabled >= 11, so extensions can be verified against it. */
	if (num < 11)
		goto out;
	ret = compat_test(ctx);
out:
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
/* The dispatcher version, BTF-encoded the way libxdp reads it. */
int (*dispatcher_version)[XDP_DISPATCHER_VERSION] SEC("xdp_metadata");
