#!/usr/bin/env python3
"""Opens a pinned BPF map as a pod's process would and reads key 0 as a u64,
with raw bpf(2) calls (no libbpf, no bpftool, nothing of bpfman-swift).

usage: map_reader.py PATH [ro|rw] [COUNT]
Prints {"ok": true, "id": MAP_ID, "values": [...]} (COUNT reads 0.2 s apart) or
{"ok": false, "errno": N, "error": TEXT} when the open fails.
"""
import ctypes
import json
import os
import struct
import sys
import time

BPF_MAP_LOOKUP_ELEM, BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD = 1, 7, 15
BPF_F_RDONLY = 1 << 3
NR_BPF = 321  # x86_64
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
    rc = libc.syscall(NR_BPF, cmd, buf, 128)
    return rc, ctypes.get_errno()


path, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "ro"
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
name = ctypes.create_string_buffer(path.encode())
fd, err = bpf(BPF_OBJ_GET, struct.pack("=QII", ctypes.addressof(name), 0, BPF_F_RDONLY if mode == "ro" else 0))
if fd < 0:
    print(json.dumps({"ok": False, "errno": err, "error": os.strerror(err)}))
    sys.exit(0)
info = ctypes.create_string_buffer(80)
rc, err = bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("=IIQ", fd, 80, ctypes.addressof(info)))
map_id = struct.unpack_from("=I", info.raw, 4)[0] if rc == 0 else None
values = []
for i in range(count):
    key = ctypes.c_uint32(0)
    value = ctypes.c_uint64(0)
    rc, err = bpf(BPF_MAP_LOOKUP_ELEM, struct.pack("=IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(value), 0))
    if rc < 0:
        print(json.dumps({"ok": False, "errno": err, "error": "lookup: " + os.strerror(err)}))
        sys.exit(0)
    values.append(value.value)
    if i + 1 < count:
        # Opening files is what the test program counts.
        for _ in range(20):
            open("/proc/self/stat").close()
        time.sleep(0.2)
print(json.dumps({"ok": True, "id": map_id, "values": values}))
