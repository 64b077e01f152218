/* Shared by the sample programs: the counters of bpf/examples and the global
   data the samples set (globaldata GLOBAL_u8: [1], GLOBAL_u32: [13, 12, 11, 10]). */
#pragma once
#include "../examples/common.h"

volatile const __u8 GLOBAL_u8 = 0;
volatile const __u32 GLOBAL_u32 = 0;
