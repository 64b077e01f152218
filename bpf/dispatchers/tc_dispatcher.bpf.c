// SPDX-License-Identifier: GPL-2.0
// TC dispatcher with bpfman's layout: ten extension slots prog0..prog9, a
// compat_test slot, and the configuration in .rodata (symbol `CONFIG`).
// Proceed-on bits are 1 << (action + 1), so TC_ACT_UNSPEC (-1) is bit 0.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "dispatcher.h"

#define TC_DISPATCHER_VERSION 1
#define TC_DISPATCHER_RETVAL 30

struct tc_dispatcher_config {
	__u8 num_progs_enabled;
	__u32 chain_call_actions[MAX_DISPATCHER_ACTIONS];
	__u32 run_prios[MAX_DISPATCHER_ACTIONS];
};

volatile const struct tc_dispatcher_config CONFIG = {};

#define STUB(name)                                                 \
	__attribute__((noinline)) int name(struct __sk_buff *skb)  \
	{                                                          \
		volatile int ret = TC_DISPATCHER_RETVAL;           \
		if (!skb)                                          \
			return TC_ACT_UNSPEC;                      \
		return ret;                                        \
	}

DISPATCHER_STUBS

#define SLOT(i)                                                         \
	if (num < (i) + 1)                                              \
		goto out;                                               \
	ret = prog##i(skb);                                             \
	if (!((1U << ((ret + 1) & 31)) & CONFIG.chain_call_actions[i])) \
		return ret;

SEC("tc")
int tc_dispatcher(struct __sk_buff *skb)
{
	__u8 num = CONFIG.num_progs_enabled;
	int ret;

	DISPATCHER_RUN(skb)
out:
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
int (*dispatcher_version)[TC_DISPATCHER_VERSION] SEC("tc_metadata");
