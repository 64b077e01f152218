#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_program;
struct bpf_map;
struct bpf_link;

/* libbpf's messages are collected per thread so that an error can carry them
   (the verifier log in particular). Call once per process. */
void bpfman_libbpf_install_printer(void);
/* Forget what this thread collected so far. */
void bpfman_log_reset(void);
/* What this thread collected since the last reset (NUL-terminated). */
const char *bpfman_log_text(void);

/* XDP link through bpf_link_create with attach flags (skb/drv/hw). */
int bpfman_xdp_link_create(int prog_fd, int ifindex, uint32_t flags);

/* TCX link through raw bpf(BPF_LINK_CREATE): libbpf 1.1 has no TCX helper.
   flags: BPFMAN_TCX_BEFORE / BPFMAN_TCX_AFTER (with relative_id a program id),
   or 0 (append). Returns a link fd or -errno. */
#define BPFMAN_BPF_TCX_INGRESS 46
#define BPFMAN_BPF_TCX_EGRESS 47
#define BPFMAN_BPF_F_BEFORE (1U << 3)
#define BPFMAN_BPF_F_AFTER (1U << 4)
#define BPFMAN_BPF_F_ID (1U << 5)
int bpfman_tcx_link_create(int prog_fd, int ifindex, bool egress, uint32_t flags, uint32_t relative_id);
/* The program ids on a TCX hook, in the order the kernel runs them. */
int bpfman_tcx_query(int ifindex, bool egress, uint32_t *prog_ids, uint32_t capacity, uint32_t *count_out);

/* Legacy TC: ensure clsact, attach a cls_bpf direct-action filter at priority,
   returning the handle the kernel chose. All return 0 or -errno. */
/* handle 0: the kernel picks one. */
int bpfman_tc_attach(int ifindex, bool egress, int prog_fd, uint32_t priority, uint32_t handle, uint32_t *handle_out);
int bpfman_tc_detach(int ifindex, bool egress, uint32_t priority, uint32_t handle);
int bpfman_tc_query(int ifindex, bool egress, uint32_t priority, uint32_t handle, uint32_t *prog_id_out);
int bpfman_tc_clsact_ensure(int ifindex, bool *created);
int bpfman_tc_clsact_destroy(int ifindex);
int bpfman_tc_filter_count(int ifindex, bool egress, uint32_t *count);

struct bpf_link *bpfman_attach_kprobe(struct bpf_program *prog, const char *fn_name,
                                      uint64_t offset, bool retprobe);
struct bpf_link *bpfman_attach_uprobe(struct bpf_program *prog, int pid, const char *binary,
                                      const char *fn_name /* may be NULL */, uint64_t offset,
                                      bool retprobe);

/* Where a global variable lives: the internal map of its data section, the
   offset inside it and its size. Returns 0, or -ENOENT when no such variable
   exists in .rodata*, .data* or .bss*, or -ENODATA when the object has no BTF. */
int bpfman_global_lookup(struct bpf_object *obj, const char *name, struct bpf_map **map_out,
                         uint32_t *offset_out, uint32_t *size_out, bool *is_bss_out);

/* Kernel facts about a program, from BPF_OBJ_GET_INFO_BY_FD. */
#define BPFMAN_MAX_MAP_IDS 64
struct bpfman_prog_info {
    uint32_t id;
    uint32_t type;
    char name[16];
    uint8_t tag[8];
    uint32_t gpl_compatible;
    uint64_t load_time_ns; /* since boot */
    uint32_t btf_id;
    uint32_t bytes_xlated;
    uint32_t bytes_jited;
    uint32_t verified_insns;
    uint32_t nr_map_ids;
    uint32_t map_ids[BPFMAN_MAX_MAP_IDS];
};
int bpfman_prog_info_by_fd(int fd, struct bpfman_prog_info *out);

struct bpfman_map_info {
    uint32_t id;
    uint32_t type;
    char name[16];
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
};
int bpfman_map_info_by_fd(int fd, struct bpfman_map_info *out);

struct bpfman_link_info {
    uint32_t id;
    uint32_t type;
    uint32_t prog_id;
};
int bpfman_link_info_by_fd(int fd, struct bpfman_link_info *out);

/* Network namespaces: enter the one at path on this thread, returning an fd
   to the previous one (or -errno); restore with that fd (closes it). */
int bpfman_netns_enter(const char *path);
int bpfman_netns_restore(int previous_fd);
/* Inode number of a netns file (0 on error): identifies the namespace. */
uint64_t bpfman_netns_inode(const char *path);

/* Mount a filesystem of type fstype at path unless one of magic is there. */
int bpfman_ensure_mounted(const char *path, const char *fstype, uint64_t magic);
#define BPFMAN_BPF_FS_MAGIC 0xcafe4a11ULL
#define BPFMAN_TRACEFS_MAGIC 0x74726163ULL

/* Raise RLIMIT_MEMLOCK to infinity (older kernels charge BPF memory to it). */
int bpfman_raise_memlock(void);
/* 1 when path is on nsfs (a namespace file), else 0; never opens it. */
int bpfman_is_nsfs(const char *path);

/* Mounts for the CSI plugin's per-volume bpffs; each returns 0 or -errno. */
int bpfman_mount_bpffs(const char *source, const char *path, unsigned int mode);
int bpfman_remount_readonly(const char *path);
int bpfman_bind_mount(const char *from, const char *to, int readonly);
int bpfman_unmount(const char *path);

/* gzip with zlib. *out is malloc'd (free it with bpfman_free). gunzip returns
   -EFBIG when the output would exceed max_out, -EINVAL on bad data. */
int bpfman_gunzip(const uint8_t *in, size_t in_len, size_t max_out, uint8_t **out, size_t *out_len);
int bpfman_gzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len);
void bpfman_free(void *p);

/* Map type of a map in an opened object (enum bpf_map_type). */
uint32_t bpfman_map_type(struct bpf_map *map);

/* A freplace link of a loaded extension to `func` in the loaded program target_fd; fd or -errno. */
int bpfman_freplace_link_create(int prog_fd, int target_fd, const char *func);
/* Swaps the program behind a link (an XDP link, say) atomically. */
int bpfman_link_update(int link_fd, int prog_fd);
/* Detaches a link now (dropping the last reference frees it later, from a workqueue). */
int bpfman_link_detach(int link_fd);

/* Runs a loaded program on one input (BPF_PROG_TEST_RUN); 0 or -errno. */
int bpfman_prog_test_run(int prog_fd, const void *data, uint32_t size, uint32_t repeat,
                         uint32_t *retval, uint32_t *duration_ns);
