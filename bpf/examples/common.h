/* Shared by the example programs: a u64 array map pinned by name so that a
   second program can share it through map_owner_id. */
#pragma once
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define COUNTER_MAP(NAME, ENTRIES)                  \
    struct {                                        \
        __uint(type, BPF_MAP_TYPE_ARRAY);           \
        __uint(max_entries, ENTRIES);               \
        __type(key, __u32);                         \
        __type(value, __u64);                       \
        __uint(pinning, LIBBPF_PIN_BY_NAME);        \
    } NAME SEC(".maps")

static __always_inline void counter_add(void *map, __u32 key, __u64 by) {
    __u64 *v = bpf_map_lookup_elem(map, &key);
    if (v) __sync_fetch_and_add(v, by);
}

static __always_inline void counter_set(void *map, __u32 key, __u64 value) {
    bpf_map_update_elem(map, &key, &value, BPF_ANY);
}

char LICENSE[] SEC("license") = "GPL";
