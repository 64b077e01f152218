#define _GNU_SOURCE
#include "CBpfShim.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- libbpf messages ---------------------------------------------------- */

/* Collected per thread, on the heap, from the first message on: a static
   thread-local array would be zeroed into every thread of every binary that
   links this shim (each start and each thread paid 256 KiB of page faults). */
#define LOG_CAP (256 * 1024)
static __thread char *log_buf;
static __thread size_t log_len, log_size;
static pthread_key_t log_key;
static pthread_once_t log_key_once = PTHREAD_ONCE_INIT;

static void log_key_make(void) { (void)pthread_key_create(&log_key, free); }

/* Room for `want` bytes (want <= LOG_CAP); the thread's exit frees it. */
static bool log_reserve(size_t want) {
    if (want <= log_size) return true;
    size_t size = log_size ? log_size : 4096;
    while (size < want) size *= 2;
    if (size > LOG_CAP) size = LOG_CAP;
    char *grown = realloc(log_buf, size);
    if (!grown) return false;
    (void)pthread_once(&log_key_once, log_key_make);
    (void)pthread_setspecific(log_key, grown);
    log_buf = grown;
    log_size = size;
    return true;
}

/* Room for len more bytes and their NUL (len < LOG_CAP / 2), the oldest text
   dropped first; where they go, or NULL without memory. */
static char *log_room(size_t len) {
    if (log_len + len + 1 > LOG_CAP) {
        /* Keep the tail: the verifier's last lines say why it refused. */
        size_t keep = LOG_CAP / 2;
        memmove(log_buf, log_buf + log_len - keep, keep);
        log_len = keep;
    }
    return log_reserve(log_len + len + 1) ? log_buf + log_len : NULL;
}

static int collect(enum libbpf_print_level level, const char *fmt, va_list args) {
    (void)level;
    va_list measure;
    va_copy(measure, args);
    int n = vsnprintf(NULL, 0, fmt, measure);
    va_end(measure);
    if (n <= 0) return 0;
    if ((size_t)n < LOG_CAP / 2) {
        char *at = log_room((size_t)n);
        if (at) {
            (void)vsnprintf(at, (size_t)n + 1, fmt, args);
            log_len += (size_t)n;
        }
        return 0;
    }
    /* One message longer than half the cap (a verifier log): its end is kept,
       where the reason is. */
    char *whole = malloc((size_t)n + 1);
    if (!whole) return 0;
    (void)vsnprintf(whole, (size_t)n + 1, fmt, args);
    size_t len = LOG_CAP / 2 - 1;
    char *at = log_room(len);
    if (at) {
        memcpy(at, whole + (size_t)n - len, len);
        log_len += len;
        at[len] = 0;
    }
    free(whole);
    return 0;
}

void bpfman_libbpf_install_printer(void) { libbpf_set_print(collect); }
void bpfman_log_reset(void) {
    log_len = 0;
    if (log_buf) log_buf[0] = 0;
}
const char *bpfman_log_text(void) {
    if (!log_buf) return "";
    log_buf[log_len] = 0;
    return log_buf;
}

/* ---- links --------------------------------------------------------------- */

int bpfman_xdp_link_create(int prog_fd, int ifindex, uint32_t flags) {
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
    int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
    return fd < 0 ? -errno : fd;
}

/* The link_create part of union bpf_attr as kernels >= 6.6 define it. */
struct tcx_link_create_attr {
    uint32_t prog_fd;
    uint32_t target_ifindex;
    uint32_t attach_type;
    uint32_t flags;
    uint32_t relative_id;
    uint32_t pad;
    uint64_t expected_revision;
    uint8_t rest[64];
};

int bpfman_tcx_link_create(int prog_fd, int ifindex, bool egress, uint32_t flags, uint32_t relative_id) {
    struct tcx_link_create_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_fd = (uint32_t)prog_fd;
    attr.target_ifindex = (uint32_t)ifindex;
    attr.attach_type = egress ? BPFMAN_BPF_TCX_EGRESS : BPFMAN_BPF_TCX_INGRESS;
    attr.flags = flags;
    attr.relative_id = relative_id;
    long fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
    return fd < 0 ? -errno : (int)fd;
}

/* The BPF_PROG_QUERY attr as kernels >= 6.6 read it (libbpf 1.1's headers
 * predate target_ifindex and the link fields). */
struct tcx_query_attr {
    uint32_t target_ifindex;
    uint32_t attach_type;
    uint32_t query_flags;
    uint32_t attach_flags;
    uint64_t prog_ids;
    uint32_t count;
    uint32_t pad;
    uint64_t prog_attach_flags;
    uint64_t link_ids;
    uint64_t link_attach_flags;
    uint64_t revision;
};

int bpfman_tcx_query(int ifindex, bool egress, uint32_t *prog_ids, uint32_t capacity, uint32_t *count_out) {
    struct tcx_query_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_ifindex = (uint32_t)ifindex;
    attr.attach_type = egress ? BPFMAN_BPF_TCX_EGRESS : BPFMAN_BPF_TCX_INGRESS;
    attr.prog_ids = (uint64_t)(uintptr_t)prog_ids;
    attr.count = capacity;
    long rc = syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr));
    if (rc < 0) return -errno;
    *count_out = attr.count;
    return 0;
}

/* ---- legacy tc ------------------------------------------------------------ */

int bpfman_tc_attach(int ifindex, bool egress, int prog_fd, uint32_t priority, uint32_t handle, uint32_t *handle_out) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) return err;
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .priority = priority, .handle = handle);
    err = bpf_tc_attach(&hook, &opts);
    if (err) return err;
    *handle_out = opts.handle;
    return 0;
}

int bpfman_tc_detach(int ifindex, bool egress, uint32_t priority, uint32_t handle) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .priority = priority, .handle = handle);
    return bpf_tc_detach(&hook, &opts);
}

int bpfman_tc_query(int ifindex, bool egress, uint32_t priority, uint32_t handle, uint32_t *prog_id_out) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .priority = priority, .handle = handle);
    int err = bpf_tc_query(&hook, &opts);
    if (err) return err;
    *prog_id_out = opts.prog_id;
    return 0;
}

/* The clsact qdisc: made if missing (*created says whether this call made it). */
int bpfman_tc_clsact_ensure(int ifindex, bool *created) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    *created = err == 0;
    return err == -EEXIST ? 0 : err;
}

/* Deletes the clsact qdisc, and with it every filter on both hooks. */
int bpfman_tc_clsact_destroy(int ifindex) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
    return bpf_tc_hook_destroy(&hook);
}

/* Counts RTM_NEWTFILTER messages on fd until the dump's end. */
static int tc_filter_dump_count(int fd, char *buf, size_t cap, uint32_t *count) {
    uint32_t n = 0;
    for (;;) {
        ssize_t got = recv(fd, buf, cap, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (got == 0) return -EIO;
        int len = (int)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) { *count = n; return 0; }
            if (h->nlmsg_type == NLMSG_ERROR) {
                int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                if (e == 0) { *count = n; return 0; }
                return e;
            }
            if (h->nlmsg_type == RTM_NEWTFILTER) n++;
        }
    }
}

/* How many filter messages an RTM_GETTFILTER dump of one clsact hook returns
 * (each filter chain head and each filter is one): 0 means the hook is empty. */
int bpfman_tc_filter_count(int ifindex, bool egress, uint32_t *count) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct { struct nlmsghdr nh; struct tcmsg t; } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
    req.nh.nlmsg_type = RTM_GETTFILTER;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = 1;
    req.t.tcm_family = AF_UNSPEC;
    req.t.tcm_ifindex = ifindex;
    req.t.tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
    if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) { int e = -errno; close(fd); return e; }
    /* On the heap, not thread-local: see the log buffer above. */
    size_t cap = 32768;
    char *buf = malloc(cap);
    int err = buf ? tc_filter_dump_count(fd, buf, cap, count) : -ENOMEM;
    free(buf);
    close(fd);
    return err;
}

/* ---- probes --------------------------------------------------------------- */

struct bpf_link *bpfman_attach_kprobe(struct bpf_program *prog, const char *fn_name, uint64_t offset, bool retprobe) {
    LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = (size_t)offset, .retprobe = retprobe);
    return bpf_program__attach_kprobe_opts(prog, fn_name, &opts);
}

struct bpf_link *bpfman_attach_uprobe(struct bpf_program *prog, int pid, const char *binary, const char *fn_name,
                                      uint64_t offset, bool retprobe) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .func_name = fn_name);
    return bpf_program__attach_uprobe_opts(prog, pid, binary, (size_t)offset, &opts);
}

/* ---- globals ------------------------------------------------------------------ */

static bool is_data_section(const char *s) {
    return strncmp(s, ".rodata", 7) == 0 || strncmp(s, ".data", 5) == 0 || strncmp(s, ".bss", 4) == 0;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int bpfman_global_lookup(struct bpf_object *obj, const char *name, struct bpf_map **map_out,
                         uint32_t *offset_out, uint32_t *size_out, bool *is_bss_out) {
    struct btf *btf = bpf_object__btf(obj);
    if (!btf) return -ENODATA;
    unsigned n = btf__type_cnt(btf);
    for (unsigned i = 1; i < n; i++) {
        const struct btf_type *t = btf__type_by_id(btf, i);
        if (!btf_is_datasec(t)) continue;
        const char *sec = btf__name_by_offset(btf, t->name_off);
        if (!sec || !is_data_section(sec)) continue;
        const struct btf_var_secinfo *vs = btf_var_secinfos(t);
        for (unsigned j = 0; j < btf_vlen(t); j++) {
            const struct btf_type *v = btf__type_by_id(btf, vs[j].type);
            if (!v || !btf_is_var(v)) continue;
            const char *vname = btf__name_by_offset(btf, v->name_off);
            if (!vname || strcmp(vname, name) != 0) continue;
            struct bpf_map *m;
            bpf_object__for_each_map(m, obj) {
                if (!bpf_map__is_internal(m)) continue;
                if (!ends_with(bpf_map__name(m), sec)) continue;
                *map_out = m;
                *offset_out = vs[j].offset;
                *size_out = vs[j].size;
                *is_bss_out = strncmp(sec, ".bss", 4) == 0;
                return 0;
            }
            return -ENOENT;
        }
    }
    return -ENOENT;
}

/* ---- info ---------------------------------------------------------------------- */

int bpfman_prog_info_by_fd(int fd, struct bpfman_prog_info *out) {
    struct bpf_prog_info info;
    uint32_t ids[BPFMAN_MAX_MAP_IDS];
    memset(&info, 0, sizeof(info));
    memset(out, 0, sizeof(*out));
    info.nr_map_ids = BPFMAN_MAX_MAP_IDS;
    info.map_ids = (uint64_t)(uintptr_t)ids;
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len)) return -errno;
    out->id = info.id;
    out->type = info.type;
    memcpy(out->name, info.name, sizeof(out->name));
    out->name[15] = 0;
    memcpy(out->tag, info.tag, sizeof(out->tag));
    out->gpl_compatible = info.gpl_compatible;
    out->load_time_ns = info.load_time;
    out->btf_id = info.btf_id;
    out->bytes_xlated = info.xlated_prog_len;
    out->bytes_jited = info.jited_prog_len;
    out->verified_insns = info.verified_insns;
    out->nr_map_ids = info.nr_map_ids < BPFMAN_MAX_MAP_IDS ? info.nr_map_ids : BPFMAN_MAX_MAP_IDS;
    memcpy(out->map_ids, ids, out->nr_map_ids * sizeof(uint32_t));
    return 0;
}

int bpfman_map_info_by_fd(int fd, struct bpfman_map_info *out) {
    struct bpf_map_info info;
    memset(&info, 0, sizeof(info));
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len)) return -errno;
    out->id = info.id;
    out->type = info.type;
    memcpy(out->name, info.name, sizeof(out->name));
    out->name[15] = 0;
    out->key_size = info.key_size;
    out->value_size = info.value_size;
    out->max_entries = info.max_entries;
    return 0;
}

int bpfman_link_info_by_fd(int fd, struct bpfman_link_info *out) {
    struct bpf_link_info info;
    memset(&info, 0, sizeof(info));
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len)) return -errno;
    out->id = info.id;
    out->type = info.type;
    out->prog_id = info.prog_id;
    return 0;
}

/* ---- namespaces, mounts, limits ---------------------------------------------------- */

int bpfman_netns_enter(const char *path) {
    int previous = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (previous < 0) return -errno;
    int target = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (target < 0) {
        int e = errno;
        close(previous);
        return -e;
    }
    if (setns(target, CLONE_NEWNET)) {
        int e = errno;
        close(target);
        close(previous);
        return -e;
    }
    close(target);
    return previous;
}

int bpfman_netns_restore(int previous_fd) {
    int rc = setns(previous_fd, CLONE_NEWNET) ? -errno : 0;
    close(previous_fd);
    return rc;
}

uint64_t bpfman_netns_inode(const char *path) {
    struct stat st;
    if (stat(path, &st)) return 0;
    return (uint64_t)st.st_ino;
}

int bpfman_ensure_mounted(const char *path, const char *fstype, uint64_t magic) {
    struct statfs sf;
    if (statfs(path, &sf) == 0 && (uint64_t)sf.f_type == magic) return 0;
    if (mkdir(path, 0755) && errno != EEXIST) return -errno;
    if (mount(fstype, path, fstype, 0, NULL)) return -errno;
    return 0;
}

int bpfman_mount_bpffs(const char *source, const char *path, unsigned int mode) {
    char opts[32];
    snprintf(opts, sizeof(opts), "mode=%o", mode & 07777);
    return mount(source, path, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) ? -errno : 0;
}

/* A remount without MS_BIND changes the superblock: every path into this bpffs,
   bind mounts included, then refuses write opens of its pins (EROFS). */
int bpfman_remount_readonly(const char *path) {
    return mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ? -errno : 0;
}

int bpfman_bind_mount(const char *from, const char *to, int readonly) {
    if (mount(from, to, NULL, MS_BIND, NULL)) return -errno;
    if (readonly && mount(NULL, to, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
        int e = errno;
        umount2(to, MNT_DETACH);
        return -e;
    }
    return 0;
}

int bpfman_unmount(const char *path) {
    return umount2(path, UMOUNT_NOFOLLOW) ? -errno : 0;
}

int bpfman_is_nsfs(const char *path) {
    struct statfs sf;
    return statfs(path, &sf) == 0 && (uint64_t)sf.f_type == 0x6e736673 ? 1 : 0;
}

int bpfman_raise_memlock(void) {
    struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
    return setrlimit(RLIMIT_MEMLOCK, &r) ? -errno : 0;
}

/* ---- gzip ------------------------------------------------------------------------------ */

#include <stdlib.h>
#include <zlib.h>

int bpfman_gunzip(const uint8_t *in, size_t in_len, size_t max_out, uint8_t **out, size_t *out_len) {
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) return -ENOMEM;
    size_t cap = in_len * 4 + 1024;
    if (cap > max_out + 1) cap = max_out + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) { inflateEnd(&s); return -ENOMEM; }
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)in_len;
    size_t len = 0;
    int rc;
    do {
        if (len == cap) {
            if (cap > max_out) { free(buf); inflateEnd(&s); return -EFBIG; }
            size_t ncap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) { free(buf); inflateEnd(&s); return -ENOMEM; }
            buf = nb;
            cap = ncap;
        }
        s.next_out = buf + len;
        s.avail_out = (uInt)(cap - len);
        rc = inflate(&s, Z_NO_FLUSH);
        len = cap - s.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && len == cap)) {
            free(buf); inflateEnd(&s); return -EINVAL;
        }
    } while (rc != Z_STREAM_END);
    inflateEnd(&s);
    if (len > max_out) { free(buf); return -EFBIG; }
    *out = buf;
    *out_len = len;
    return 0;
}

int bpfman_gzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len) {
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -ENOMEM;
    size_t cap = deflateBound(&s, (uLong)in_len) + 64;
    uint8_t *buf = malloc(cap);
    if (!buf) { deflateEnd(&s); return -ENOMEM; }
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)in_len;
    s.next_out = buf;
    s.avail_out = (uInt)cap;
    int rc = deflate(&s, Z_FINISH);
    size_t len = cap - s.avail_out;
    deflateEnd(&s);
    if (rc != Z_STREAM_END) { free(buf); return -EINVAL; }
    *out = buf;
    *out_len = len;
    return 0;
}

void bpfman_free(void *p) { free(p); }

uint32_t bpfman_map_type(struct bpf_map *map) { return (uint32_t)bpf_map__type(map); }

/* ---- BPF_PROG_TEST_RUN ------------------------------------------------------------------ */

int bpfman_prog_test_run(int prog_fd, const void *data, uint32_t size, uint32_t repeat,
                         uint32_t *retval, uint32_t *duration_ns) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = size, .repeat = repeat);
    int err = bpf_prog_test_run_opts(prog_fd, &opts);
    if (err) return -errno;
    *retval = opts.retval;
    *duration_ns = opts.duration;
    return 0;
}

/* ---- freplace links --------------------------------------------------------------------- */

#include <bpf/btf.h>

/* Links a loaded extension program to `func` of the loaded program target_fd
 * (a dispatcher slot). An extension may be linked to several dispatchers at
 * once (kernel >= 5.10), which is how a revision swap keeps programs running. */
int bpfman_freplace_link_create(int prog_fd, int target_fd, const char *func) {
    struct bpf_prog_info info;
    uint32_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(target_fd, &info, &len)) return -errno;
    if (!info.btf_id) return -ENOENT;
    struct btf *btf = btf__load_from_kernel_by_id(info.btf_id);
    if (!btf) return -errno;
    int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
    btf__free(btf);
    if (id < 0) return -ENOENT;
    /* Raw BPF_LINK_CREATE: the kernel routes EXT programs by program type
     * (attach type 0) and reads target_btf_id right after flags. */
    struct {
        uint32_t prog_fd, target_fd, attach_type, flags, target_btf_id;
        uint8_t rest[60];
    } attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_fd = (uint32_t)prog_fd;
    attr.target_fd = (uint32_t)target_fd;
    attr.target_btf_id = (uint32_t)id;
    int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
    return fd < 0 ? -errno : fd;
}

int bpfman_link_update(int link_fd, int prog_fd) {
    return bpf_link_update(link_fd, prog_fd, NULL) ? -errno : 0;
}

int bpfman_link_detach(int link_fd) {
    return bpf_link_detach(link_fd) ? -errno : 0;
}
