/* Behaviour set by global data: on each packet the program copies its
   globals into globals_map and returns `action`. Overrides of .rodata, .data
   and .bss variables are all visible here. */
#include "common.h"

COUNTER_MAP(globals_map, 4);

volatile const __u8 GLOBAL_u8 = 0;
volatile const __u32 GLOBAL_u32 = 0;
volatile __u32 data_u32 = 7;
volatile __u64 bss_u64;
volatile const __u32 action = 2; /* XDP_PASS */

SEC("xdp")
int xdp_globals(struct xdp_md *ctx) {
    counter_set(&globals_map, 0, GLOBAL_u8);
    counter_set(&globals_map, 1, GLOBAL_u32);
    counter_set(&globals_map, 2, data_u32);
    counter_set(&globals_map, 3, bss_u64);
    return action;
}
