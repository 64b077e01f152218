/* Ten maps for the CSI plugin's tests and benchmark: openat(2) calls of
   process `tgid` (all when zero) counted in csi_calls, the last caller's pid
   in csi_pid; csi_m2 … csi_m9 exist to be published. */
#include "../examples/common.h"

COUNTER_MAP(csi_calls, 1);
COUNTER_MAP(csi_pid, 1);
COUNTER_MAP(csi_m2, 1);
COUNTER_MAP(csi_m3, 1);
COUNTER_MAP(csi_m4, 1);
COUNTER_MAP(csi_m5, 1);
COUNTER_MAP(csi_m6, 1);
COUNTER_MAP(csi_m7, 1);
COUNTER_MAP(csi_m8, 1);
COUNTER_MAP(csi_m9, 1);

const volatile __u32 tgid = 0;

SEC("tracepoint/syscalls/sys_enter_openat")
int csi_openat(void *ctx) {
    __u32 pid = bpf_get_current_pid_tgid() >> 32;
    if (tgid && pid != tgid) return 0;
    counter_add(&csi_calls, 0, 1);
    counter_set(&csi_pid, 0, pid);
    return 0;
}
