/* SPDX-License-Identifier: GPL-2.0 */
/* What the XDP and TC dispatchers share: ten slots and a compat_test slot.
 * Each dispatcher defines STUB(name) and SLOT(i) before using these. */
#ifndef BPFMAN_DISPATCHER_H
#define BPFMAN_DISPATCHER_H

#define MAX_DISPATCHER_ACTIONS 10

#define DISPATCHER_STUBS \
	STUB(prog0) STUB(prog1) STUB(prog2) STUB(prog3) STUB(prog4) \
	STUB(prog5) STUB(prog6) STUB(prog7) STUB(prog8) STUB(prog9) \
	STUB(compat_test)

/* Slots in order; `num` enabled. compat_test is reachable only when
 * num >= 11, so an extension can be verified against it. */
#define DISPATCHER_RUN(ctx)                                              \
	SLOT(0) SLOT(1) SLOT(2) SLOT(3) SLOT(4)                          \
	SLOT(5) SLOT(6) SLOT(7) SLOT(8) SLOT(9)                          \
	if (num < 11)                                                    \
		goto out;                                                \
	ret = compat_test(ctx);

#endif
