"""The load generator of hack/status-scale-bench: N Nodes, M XdpPrograms, and
N simulated agents, each creating its node's M BpfPrograms and reporting them
over SPREAD seconds, as the agent would (one failing node among them for the
first program: the failure must show and then clear).

Prints one row and appends it as JSON to OUT: status writes per user object
until ReconcileSuccess (most and mean), the largest condition message, time
from the last agent report to every object's ReconcileSuccess, the operator's
RSS (idle, with the Nodes, with every BpfProgram) and its CPU seconds.

Usage: status-scale-load.py KUBECONFIG N M SPREAD OPERATOR_PID OUT
"""
import base64
import concurrent.futures
import http.client
import json
import os
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

import yaml

kubeconfig, n, m, spread, op_pid, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
cfg = yaml.safe_load(open(kubeconfig))
server = urllib.parse.urlparse(cfg["clusters"][0]["cluster"]["server"])
token = cfg["users"][0]["user"]["token"]
ca = tempfile.NamedTemporaryFile(delete=False, suffix=".pem")
ca.write(base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"]))
ca.close()
ctx = ssl.create_default_context(cafile=ca.name)
local = threading.local()


def connection():
    # One kept-alive connection per thread: a TLS handshake per request would make the
    # load generator, not the operator, the bottleneck.
    if getattr(local, "conn", None) is None:
        local.conn = http.client.HTTPSConnection(server.hostname, server.port, context=ctx, timeout=120)
    return local.conn


def call(method, path, body=None, content_type="application/json"):
    for attempt in range(3):
        try:
            c = connection()
            c.request(method, path, body=None if body is None else json.dumps(body),
                      headers={"Authorization": "Bearer " + token, "Content-Type": content_type})
            r = c.getresponse()
            data = r.read()
            if r.status >= 300:
                sys.exit(f"{method} {path}: {r.status} {data.decode()[:500]}")
            return json.loads(data or b"{}")
        except (http.client.HTTPException, OSError):
            local.conn = None
            if attempt == 2:
                raise


def rss():
    for line in open(f"/proc/{op_pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds():
    fields = open(f"/proc/{op_pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


rss_idle, cpu0 = rss(), cpu_seconds()
nodes = [f"node-{i:05d}" for i in range(n)]
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda name: call("POST", "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}), nodes))
xdp = "/apis/bpfman.io/v1alpha1/xdpprograms"
owners = {}
for j in range(m):
    o = call("POST", xdp, {
        "apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "metadata": {"name": f"scale-{j}"},
        "spec": {"bpffunctionname": "pass", "nodeselector": {}, "interfaceselector": {"interfaces": ["eth0"]}, "priority": 5,
                 "bytecode": {"image": {"url": "quay.io/bpfman-bytecode/xdp_pass:latest"}}}})
    owners[f"scale-{j}"] = o["metadata"]["uid"]
rv = call("GET", xdp)["metadata"]["resourceVersion"]
time.sleep(1)
rss_nodes = rss()

# Every condition the operator writes on the user objects, from one watch.
writes = {name: 0 for name in owners}
last = {name: None for name in owners}
largest = [0]
succeeded = set()
reported = [False]
done = threading.Event()


def watch():
    conn = http.client.HTTPSConnection(server.hostname, server.port, context=ctx, timeout=900)
    conn.request("GET", f"{xdp}?watch=true&resourceVersion={rv}", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    for line in r:
        e = json.loads(line)
        name = e["object"]["metadata"]["name"]
        conds = (e["object"].get("status") or {}).get("conditions") or []
        if e["type"] != "MODIFIED" or not conds or name not in writes:
            continue
        c = (conds[0]["type"], conds[0].get("message", ""))
        if c != last[name]:
            writes[name] += 1
            largest[0] = max(largest[0], len(c[1].encode()))
            last[name] = c
        if c[0] == "ReconcileSuccess":
            succeeded.add(name)
        else:
            succeeded.discard(name)
        if reported[0] and len(succeeded) == m:
            done.set()
            return


threading.Thread(target=watch, daemon=True).start()
time.sleep(0.5)
bp_path = "/apis/bpfman.io/v1alpha1/bpfprograms"


def agent(i):
    node = nodes[i]
    for j, (owner, uid) in enumerate(owners.items()):
        name = f"{owner}-{node}"
        call("POST", bp_path, {
            "apiVersion": "bpfman.io/v1alpha1", "kind": "BpfProgram",
            "metadata": {"name": name, "labels": {"bpfman.io/ownedByProgram": owner, "kubernetes.io/hostname": node},
                         "finalizers": ["bpfman.io.xdpprogramcontroller/finalizer"],
                         "ownerReferences": [{"apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "name": owner,
                                              "uid": uid, "controller": True}]},
            "spec": {"type": "xdp"}})
        failing = i == n // 2 and j == 0
        cond = {"type": "NotLoaded" if failing else "Loaded", "status": "True",
                "reason": "bpfmanNotLoaded" if failing else "bpfmanLoaded",
                "message": "the kernel refused: invalid argument" if failing else "Successfully loaded bpfProgram",
                "lastTransitionTime": "2026-12-04T00:00:00Z"}
        call("PATCH", f"{bp_path}/{name}/status", {"status": {"conditions": [cond]}}, "application/merge-patch+json")


t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    futures = []
    for i in range(n):
        due = t0 + spread * i / n
        while time.time() < due:
            time.sleep(max(0.0, min(0.01, due - time.time())))
        futures.append(pool.submit(agent, i))
    for f in futures:
        f.result()
late = time.time() - t0 - spread
# The failing node recovers: the end state is success everywhere.
t_reported = time.time()
reported[0] = True
call("PATCH", f"{bp_path}/scale-0-{nodes[n // 2]}/status", {"status": {"conditions": [{
    "type": "Loaded", "status": "True", "reason": "bpfmanLoaded", "message": "Successfully loaded bpfProgram",
    "lastTransitionTime": "2026-12-04T00:00:01Z"}]}}, "application/merge-patch+json")
ok = done.wait(300)
t_done = time.time()
time.sleep(1)
rss_end, cpu = rss(), cpu_seconds() - cpu0
objects = n * m
row = {"nodes": n, "programs": m, "bpfprograms": objects, "writes_max": max(writes.values()),
       "writes_mean": sum(writes.values()) / m, "largest_message": largest[0],
       "last_report_to_success_ms": (t_done - t_reported) * 1000 if ok else None,
       "rss_idle": rss_idle, "rss_nodes": rss_nodes, "rss_end": rss_end, "cpu_seconds": cpu,
       "kb_per_object": (rss_end - rss_idle) * 1024 / (n + objects),
       "mib_per_1000_bpfprograms": (rss_end - rss_nodes) * 1000 / objects, "agents_late_s": max(late, 0)}
with open(out, "a") as f:
    f.write(json.dumps(row) + "\n")
print(f"  N={n:<5} M={m:<3} writes per object: max {row['writes_max']:3d} mean {row['writes_mean']:5.1f}   "
      f"largest message: {largest[0]:5d} B   last report -> all ReconcileSuccess: "
      + (f"{row['last_report_to_success_ms']:6.0f} ms" if ok else "not reached in 300 s")
      + f"   operator RSS {rss_idle:.1f} -> {rss_nodes:.1f} (Nodes) -> {rss_end:.1f} MiB, "
      f"{row['kb_per_object']:.1f} KB per cached object, {row['mib_per_1000_bpfprograms']:.2f} MiB per 1,000 BpfPrograms; "
      f"CPU {cpu:.1f} s" + (f"   (agents {late:.0f} s behind their pace)" if late > 1 else ""), flush=True)
