"""The load generator of hack/status-scale-bench: N Nodes, one XdpProgram, and
N simulated agents reporting their node's BpfProgram over SPREAD seconds.

Usage: status-scale-load.py KUBECONFIG N SPREAD OPERATOR_PID
"""
import base64
import concurrent.futures
import json
import ssl
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import yaml

kubeconfig, n, spread, op_pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
cfg = yaml.safe_load(open(kubeconfig))
server = cfg["clusters"][0]["cluster"]["server"]
token = cfg["users"][0]["user"]["token"]
ca = tempfile.NamedTemporaryFile(delete=False, suffix=".pem")
ca.write(base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"]))
ca.close()
ctx = ssl.create_default_context(cafile=ca.name)


def call(method, path, body=None, content_type="application/json"):
    req = urllib.request.Request(server + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode()[:500]}")


def rss():
    for line in open(f"/proc/{op_pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


nodes = [f"node-{i:05d}" for i in range(n)]
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda name: call("POST", "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}), nodes))
xdp = "/apis/bpfman.io/v1alpha1/xdpprograms"
owner = call("POST", xdp, {
    "apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "metadata": {"name": "scale"},
    "spec": {"bpffunctionname": "pass", "nodeselector": {}, "interfaceselector": {"interfaces": ["eth0"]}, "priority": 5,
             "bytecode": {"image": {"url": "quay.io/bpfman-bytecode/xdp_pass:latest"}}}})
uid, rv = owner["metadata"]["uid"], owner["metadata"]["resourceVersion"]

# Every status write the operator makes on the user object, from a watch.
writes, largest, last = [0], [0], [None]
done = threading.Event()


def watch():
    req = urllib.request.Request(f"{server}{xdp}?watch=true&fieldSelector=metadata.name%3Dscale&resourceVersion={rv}",
                                 headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, context=ctx, timeout=600) as r:
        for line in r:
            e = json.loads(line)
            conds = (e["object"].get("status") or {}).get("conditions") or []
            if e["type"] != "MODIFIED" or not conds:
                continue
            c = (conds[0]["type"], conds[0].get("message", ""))
            if c != last[0]:
                writes[0] += 1
                largest[0] = max(largest[0], len(c[1].encode()))
                last[0] = c
            if c[0] == "ReconcileSuccess" and reported[0] == n:
                done.set()
                return


reported = [0]
threading.Thread(target=watch, daemon=True).start()
time.sleep(0.5)
rss_idle = rss()
bp_path = "/apis/bpfman.io/v1alpha1/bpfprograms"


def agent(i):
    node = nodes[i]
    name = f"scale-{node}"
    call("POST", bp_path, {
        "apiVersion": "bpfman.io/v1alpha1", "kind": "BpfProgram",
        "metadata": {"name": name, "labels": {"bpfman.io/ownedByProgram": "scale", "kubernetes.io/hostname": node},
                     "finalizers": ["bpfman.io.xdpprogramcontroller/finalizer"],
                     "ownerReferences": [{"apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "name": "scale",
                                          "uid": uid, "controller": True}]},
        "spec": {"type": "xdp"}})
    failing = i == n // 2
    cond = {"type": "NotLoaded" if failing else "Loaded", "status": "True",
            "reason": "bpfmanNotLoaded" if failing else "bpfmanLoaded",
            "message": "the kernel refused: invalid argument" if failing else "Successfully loaded bpfProgram",
            "lastTransitionTime": "2026-12-04T00:00:00Z"}
    call("PATCH", f"{bp_path}/{name}/status", {"status": {"conditions": [cond]}}, "application/merge-patch+json")
    return name


t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    futures = []
    for i in range(n):
        due = t0 + spread * i / n
        while time.time() < due:
            time.sleep(min(0.01, due - time.time()))
        futures.append(pool.submit(agent, i))
    for f in futures:
        f.result()
# The failing node recovers: the end state is success on every node.
fail = f"scale-{nodes[n // 2]}"
t_reported = time.time()
reported[0] = n
call("PATCH", f"{bp_path}/{fail}/status", {"status": {"conditions": [{
    "type": "Loaded", "status": "True", "reason": "bpfmanLoaded", "message": "Successfully loaded bpfProgram",
    "lastTransitionTime": "2026-12-04T00:00:01Z"}]}}, "application/merge-patch+json")
ok = done.wait(120)
t_done = time.time()
print(f"  N={n:<5} status writes on the user object: {writes[0]:5d}   largest message: {largest[0]:6d} B   "
      f"last report -> ReconcileSuccess: {(t_done - t_reported) * 1000:6.0f} ms{'' if ok else ' (not reached in 120 s)'}   "
      f"operator RSS: {rss_idle:.1f} -> {rss():.1f} MiB", flush=True)
