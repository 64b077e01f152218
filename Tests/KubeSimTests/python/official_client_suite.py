"""Drives kubesim with Debian's python3-kubernetes, the official Python client,
as a user's script would: create, get, list, watch, patch, status, delete with
finalizers, server-side apply and dry runs, on the test CRD and built-in kinds.

Usage: official_client_suite.py KUBECONFIG
Prints one line per check and exits 1 if any failed.
"""
import json
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + str(detail)), flush=True)
    if not ok:
        failures.append(what)


def status_of(fn):
    try:
        fn()
        return 200
    except ApiException as e:
        return e.status


class Watcher:
    """Collects (type, name, generation) of a watch in a thread until stopped."""

    def __init__(self, list_fn, **kwargs):
        self.events = []
        self.w = watch.Watch()
        self.ready = threading.Event()
        self.t = threading.Thread(target=self.run, args=(list_fn,), kwargs=kwargs, daemon=True)
        self.t.start()
        self.ready.wait(5)

    def run(self, list_fn, **kwargs):
        self.ready.set()
        for e in self.w.stream(list_fn, timeout_seconds=20, **kwargs):
            o = e["object"]
            meta = o["metadata"] if isinstance(o, dict) else o.metadata
            name = meta["name"] if isinstance(meta, dict) else meta.name
            gen = meta.get("generation") if isinstance(meta, dict) else meta.generation
            self.events.append((e["type"], name, gen))

    def wait_for(self, pred, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if any(pred(e) for e in self.events):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.w.stop()


def core_kinds(api_client):
    v1 = client.CoreV1Api(api_client)
    apps = client.AppsV1Api(api_client)
    v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
    check("namespace created and listed", "py" in [n.metadata.name for n in v1.list_namespace().items])

    # The watch starts before the list the first event must come from.
    cw = Watcher(v1.list_namespaced_config_map, namespace="py")
    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c1", labels={"app": "py"}), data={"k": "v"})
    created = v1.create_namespaced_config_map("py", cm)
    check("configmap create", created.metadata.resource_version is not None)
    got = v1.read_namespaced_config_map("c1", "py")
    check("configmap get", got.data == {"k": "v"}, got.data)
    listed = v1.list_namespaced_config_map("py", label_selector="app=py")
    check("configmap list by label", [c.metadata.name for c in listed.items] == ["c1"])
    check("configmap list by absent label", v1.list_namespaced_config_map("py", label_selector="app=other").items == [])
    patched = v1.patch_namespaced_config_map("c1", "py", {"data": {"k": "v2", "n": "1"}})
    check("configmap patch (strategic merge)", patched.data == {"k": "v2", "n": "1"}, patched.data)
    patched.data["k"] = "v3"
    replaced = v1.replace_namespaced_config_map("c1", "py", patched)
    check("configmap replace", replaced.data["k"] == "v3")
    stale = replaced
    stale.metadata.resource_version = created.metadata.resource_version
    check("stale replace is 409", status_of(lambda: v1.replace_namespaced_config_map("c1", "py", stale)) == 409)
    v1.delete_namespaced_config_map("c1", "py")
    check("configmap deleted", status_of(lambda: v1.read_namespaced_config_map("c1", "py")) == 404)
    check("watch saw ADDED c1", cw.wait_for(lambda e: e[0] == "ADDED" and e[1] == "c1"), cw.events)
    check("watch saw MODIFIED c1", cw.wait_for(lambda e: e[0] == "MODIFIED" and e[1] == "c1"), cw.events)
    check("watch saw DELETED c1", cw.wait_for(lambda e: e[0] == "DELETED" and e[1] == "c1"), cw.events)
    cw.stop()

    # Dry runs change nothing.
    v1.create_namespaced_config_map("py", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dry"), data={"a": "1"}),
                                    dry_run="All")
    check("dry-run create stores nothing", status_of(lambda: v1.read_namespaced_config_map("dry", "py")) == 404)
    v1.create_namespaced_config_map("py", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="wet"), data={"a": "1"}))
    v1.patch_namespaced_config_map("wet", "py", {"data": {"a": "2"}}, dry_run="All")
    v1.delete_namespaced_config_map("wet", "py", dry_run="All")
    check("dry-run patch and delete leave it", v1.read_namespaced_config_map("wet", "py").data == {"a": "1"})

    # Secrets: data comes back base64 as sent.
    v1.create_namespaced_secret("py", client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"u": "me"}))
    s = v1.read_namespaced_secret("s", "py")
    check("secret stringData stored as data", s.data == {"u": "bWU="} and s.type == "Opaque", (s.data, s.type))

    # Deployments and their scale.
    d = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=1, selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": "web"}),
                                              spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="x")]))))
    apps.create_namespaced_deployment("py", d)
    sc = apps.read_namespaced_deployment_scale("web", "py")
    check("deployment scale read", sc.spec.replicas == 1 and sc.status.selector == "app=web", sc)
    apps.patch_namespaced_deployment_scale("web", "py", {"spec": {"replicas": 4}})
    got = apps.read_namespaced_deployment("web", "py")
    check("deployment scaled through /scale", got.spec.replicas == 4 and got.metadata.generation == 2,
          (got.spec.replicas, got.metadata.generation))
    apps.patch_namespaced_deployment_status("web", "py", {"status": {"replicas": 4, "readyReplicas": 4}})
    got = apps.read_namespaced_deployment_status("web", "py")
    check("deployment status patch", got.status.ready_replicas == 4 and got.metadata.generation == 2)


def custom_kind(api_client):
    co = client.CustomObjectsApi(api_client)
    g, v, p = "bpfman.io", "v1alpha1", "xdpprograms"

    def xdp(name, finalizers=None):
        meta = {"name": name}
        if finalizers:
            meta["finalizers"] = finalizers
        return {"apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "metadata": meta,
                "spec": {"bpffunctionname": "pass", "priority": 50, "nodeselector": {},
                         "interfaceselector": {"primarynodeinterface": True},
                         "bytecode": {"image": {"url": "quay.io/bpfman-bytecode/xdp_pass:latest"}}}}

    xw = Watcher(co.list_cluster_custom_object, group=g, version=v, plural=p)
    o = co.create_cluster_custom_object(g, v, p, xdp("x1", ["bpfman.io/test"]))
    check("CR create", o["metadata"]["generation"] == 1 and o["spec"]["proceedon"] == ["pass", "dispatcher_return"], o)
    check("CR get", co.get_cluster_custom_object(g, v, p, "x1")["spec"]["priority"] == 50)
    check("CR list", [i["metadata"]["name"] for i in co.list_cluster_custom_object(g, v, p)["items"]] == ["x1"])
    o = co.patch_cluster_custom_object(g, v, p, "x1", {"spec": {"priority": 60}})
    check("CR merge patch bumps generation", o["spec"]["priority"] == 60 and o["metadata"]["generation"] == 2, o["metadata"])
    o = co.patch_cluster_custom_object_status(
        g, v, p, "x1", {"status": {"conditions": [{"type": "Loaded", "status": "True", "reason": "Loaded", "message": "m",
                                                    "lastTransitionTime": "2026-01-01T00:00:00Z"}]}})
    check("CR status patch leaves generation", o["metadata"]["generation"] == 2 and o["status"]["conditions"][0]["type"] == "Loaded")
    bad = xdp("x2")
    bad["spec"]["priority"] = 5000
    check("CR out of schema is 422", status_of(lambda: co.create_cluster_custom_object(g, v, p, bad)) == 422)

    co.delete_cluster_custom_object(g, v, p, "x1")
    o = co.get_cluster_custom_object(g, v, p, "x1")
    check("CR with finalizer waits, generation bumped",
          o["metadata"].get("deletionTimestamp") and o["metadata"]["generation"] == 3, o["metadata"])
    check("watch saw the deletion as MODIFIED generation 3",
          xw.wait_for(lambda e: e[0] == "MODIFIED" and e[1] == "x1" and e[2] == 3), xw.events)
    co.patch_cluster_custom_object(g, v, p, "x1", {"metadata": {"finalizers": None}})
    check("CR gone once the finalizer goes", status_of(lambda: co.get_cluster_custom_object(g, v, p, "x1")) == 404)
    check("watch saw ADDED and DELETED x1", xw.wait_for(lambda e: e[0] == "ADDED" and e[1] == "x1")
          and xw.wait_for(lambda e: e[0] == "DELETED" and e[1] == "x1"), xw.events)
    xw.stop()

    co.create_cluster_custom_object(g, v, p, xdp("dry"), dry_run="All")
    check("CR dry-run create stores nothing", status_of(lambda: co.get_cluster_custom_object(g, v, p, "dry")) == 404)


def server_side_apply(api_client):
    dyn = DynamicClient(api_client)
    xdps = dyn.resources.get(api_version="bpfman.io/v1alpha1", kind="XdpProgram")
    body = {"apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "metadata": {"name": "ssa"},
            "spec": {"bpffunctionname": "pass", "priority": 10, "nodeselector": {},
                     "interfaceselector": {"primarynodeinterface": True},
                     "bytecode": {"image": {"url": "quay.io/x/y:z"}}}}
    # Client 22.6 sends an apply body only as text (JSON is YAML).
    o = xdps.server_side_apply(body=json.dumps(body), name="ssa", field_manager="py-a")
    check("SSA creates", o.spec.priority == 10)
    managers = [m.manager for m in o.metadata.managedFields]
    check("SSA records its manager", "py-a" in managers, managers)
    body["spec"]["priority"] = 20
    try:
        xdps.server_side_apply(body=json.dumps(body), name="ssa", field_manager="py-b")
        check("SSA conflict between managers is 409", False, "no conflict")
    except ApiException as e:
        check("SSA conflict between managers is 409", e.status == 409, e.status)
    o = xdps.server_side_apply(body=json.dumps(body), name="ssa", field_manager="py-b",
                               force_conflicts=True)
    check("SSA with force takes the field", o.spec.priority == 20)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": "py"}, "data": {"a": "1"}}
    o = cms.server_side_apply(body=json.dumps(cm), name="ssa", field_manager="py-a", namespace="py")
    check("SSA on a built-in kind", o.data.a == "1")
    listed = dyn.get(cms, namespace="py")
    check("dynamic list", "ssa" in [i.metadata.name for i in listed.items])


def main():
    api_client = config.new_client_from_config(config_file=sys.argv[1])
    core_kinds(api_client)
    custom_kind(api_client)
    server_side_apply(api_client)
    print(f"{len(failures)} failed" if failures else "all passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
