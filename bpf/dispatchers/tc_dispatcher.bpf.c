// SPDX-License-Identifier: GPL-2.0
// TC dispatcher with bpfman's layout: ten extension slots prog0..prog9, a
// compat_test slot, and the configuration in .rodata (symbol `CONFIG`).
// Proceed-on bits are 1 << (action + 1), so TC_ACT_UNSPEC (-1) is bit 0.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define TC_DISPATCHER_VERSION 1
#define TC_DISPATCHER_RETVAL 30
#define MAX_DISPATCHER_ACTIONS 10

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
	if (num < 11)
		goto out;
	ret = compat_test(skb);
out:
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
int (*dispatcher_version)[TC_DISPATCHER_VERSION] SEC("tc_metadata");
