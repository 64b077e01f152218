// SPDX-License-Identifier: GPL-2.0
// XDP dispatcher with libxdp's v2 layout: ten extension slots prog0..prog9,
// a compat_test slot, and the configuration in .rodata (symbol `conf`).
// Each slot's program is attached by freplace; a slot with nothing attached
// returns XDP_DISPATCHER_RETVAL, which is always in the proceed-on mask.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dispatcher.h"

#define XDP_DISPATCHER_MAGIC 236
#define XDP_DISPATCHER_VERSION 2
#define XDP_DISPATCHER_RETVAL 31

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

DISPATCHER_STUBS

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

	DISPATCHER_RUN(ctx)
out:
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
/* The dispatcher version, BTF-encoded the way libxdp reads it. */
int (*dispatcher_version)[XDP_DISPATCHER_VERSION] SEC("xdp_metadata");
