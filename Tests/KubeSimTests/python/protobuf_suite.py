"""Sends kubesim built-in objects as protobuf made by an independent encoder
(Python's protobuf library, with classes protoc generated from kubesim's
.proto), reads each back as JSON and compares it with the JSON written here
by hand; then asks for protobuf and parses kubesim's bytes the same way.

Usage: protobuf_suite.py MODULE_DIR KUBECONFIG
MODULE_DIR holds kube_pb2.py. Prints one line per check; exits 1 on failure.
"""
import base64
import json
import sys

sys.path.insert(0, sys.argv[1])
import kube_pb2 as pb  # noqa: E402
import urllib3  # noqa: E402
from kubernetes import client, config  # noqa: E402

PROTO = "application/vnd.kubernetes.protobuf"
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + str(detail)), flush=True)
    if not ok:
        failures.append(what)


cfg = client.Configuration()
config.load_kube_config(config_file=sys.argv[2], client_configuration=cfg)
http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=cfg.ssl_ca_cert,
                           cert_file=cfg.cert_file, key_file=cfg.key_file)
auth = {"Authorization": cfg.api_key["authorization"]} if cfg.api_key.get("authorization") else {}


def call(method, path, body=None, content_type="application/json", accept="application/json"):
    headers = dict(auth, **{"Accept": accept})
    if body is not None:
        headers["Content-Type"] = content_type
    r = http.request(method, cfg.host + path, body=body, headers=headers)
    return r.status, r.headers.get("Content-Type", ""), r.data


def envelope(api_version, kind, message):
    u = pb.Unknown()
    u.typeMeta.apiVersion = api_version
    u.typeMeta.kind = kind
    u.raw = message.SerializeToString()
    return b"k8s\x00" + u.SerializeToString()


def unwrap(data):
    assert data[:4] == b"k8s\x00", data[:16]
    u = pb.Unknown()
    u.ParseFromString(data[4:])
    return u


SERVER_SET = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation")


def strip(obj):
    obj = json.loads(json.dumps(obj))
    for k in SERVER_SET:
        obj.get("metadata", {}).pop(k, None)
    obj.pop("status", None)
    return obj


def meta(m, name, namespace=None, labels=None):
    m.name = name
    if namespace:
        m.namespace = namespace
    for k, v in (labels or {}).items():
        m.labels[k] = v


def roundtrip(what, path, api_version, kind, msg, expected, cls):
    """POST msg as protobuf, GET it as JSON and as protobuf, compare both."""
    name = expected["metadata"]["name"]
    status, _, data = call("POST", path, envelope(api_version, kind, msg), content_type=PROTO)
    check(what + ": protobuf create accepted", status == 201, (status, data[:300]))
    status, _, data = call("GET", path + "/" + name)
    got = strip(json.loads(data)) if status == 200 else {"status": status}
    check(what + ": reads back as the JSON written by hand", got == expected,
          "\n  got      " + json.dumps(got, sort_keys=True) + "\n  expected " + json.dumps(expected, sort_keys=True))
    status, ctype, data = call("GET", path + "/" + name, accept=PROTO + ", application/json")
    check(what + ": answered in protobuf when asked first", status == 200 and ctype.startswith(PROTO), (status, ctype))
    if ctype.startswith(PROTO):
        u = unwrap(data)
        back = cls()
        back.ParseFromString(u.raw)
        for f in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"):
            back.metadata.ClearField(f)
        if back.HasField("status") if "status" in [f.name for f in back.DESCRIPTOR.fields] else False:
            back.ClearField("status")
        sent = cls()
        sent.CopyFrom(msg)
        if "status" in [f.name for f in sent.DESCRIPTOR.fields]:
            sent.ClearField("status")
        check(what + ": kubesim's protobuf parses to the message sent",
              u.typeMeta.kind == kind and u.typeMeta.apiVersion == api_version and back == sent,
              "\n  got  " + str(back).replace("\n", " ") + "\n  sent " + str(sent).replace("\n", " "))


def main():
    ns = "pb"
    n = pb.Namespace()
    meta(n.metadata, ns)
    status, _, data = call("POST", "/api/v1/namespaces", envelope("v1", "Namespace", n), content_type=PROTO)
    check("namespace created from protobuf", status == 201, data[:200])

    # A DaemonSet like bpfman's: IntOrString, inline LocalObjectReference and
    # probe handler, pointer fields set to their zero values, hostPath volumes.
    ds = pb.DaemonSet()
    meta(ds.metadata, "bpfman-daemon", ns, {"k8s-app": "bpfman"})
    ds.spec.selector.matchLabels["name"] = "bpfman-daemon"
    t = ds.spec.template
    t.metadata.labels["name"] = "bpfman-daemon"
    t.spec.hostNetwork = True
    t.spec.dnsPolicy = "ClusterFirstWithHostNet"
    t.spec.serviceAccountName = "bpfman-daemon"
    t.spec.terminationGracePeriodSeconds = 15
    t.spec.automountServiceAccountToken = False
    t.spec.securityContext.fsGroup = 2000
    tol = t.spec.tolerations.add()
    tol.key, tol.operator, tol.effect = "node-role.kubernetes.io/control-plane", "Exists", "NoSchedule"
    c = t.spec.containers.add()
    c.name, c.image, c.imagePullPolicy = "bpfman", "quay.io/bpfman/bpfman:latest", "IfNotPresent"
    c.command.append("/usr/local/bin/bpfman-rpc")
    c.args.extend(["--timeout=0", "--csi-support"])
    c.securityContext.privileged = True
    c.securityContext.capabilities.add.extend(["CAP_BPF", "CAP_NET_ADMIN"])
    e = c.env.add()
    e.name = "RUST_LOG"
    e.valueFrom.configMapKeyRef.localObjectReference.name = "bpfman-config"
    e.valueFrom.configMapKeyRef.key = "bpfman.log.level"
    e.valueFrom.configMapKeyRef.optional = False
    e2 = c.env.add()
    e2.name = "KUBE_NODE_NAME"
    e2.valueFrom.fieldRef.fieldPath = "spec.nodeName"
    vm = c.volumeMounts.add()
    vm.name, vm.mountPath, vm.mountPropagation = "bpffs", "/sys/fs/bpf", "Bidirectional"
    c.livenessProbe.handler.httpGet.path = "/healthz"
    c.livenessProbe.handler.httpGet.port.type = 0
    c.livenessProbe.handler.httpGet.port.intVal = 8175
    c.livenessProbe.periodSeconds = 20
    c.resources.limits["memory"].string = "128Mi"
    c.resources.requests["cpu"].string = "100m"
    v = t.spec.volumes.add()
    v.name = "bpffs"
    v.volumeSource.hostPath.path = "/sys/fs/bpf"
    v.volumeSource.hostPath.type = "DirectoryOrCreate"
    v2 = t.spec.volumes.add()
    v2.name = "bpfman-config"
    v2.volumeSource.configMap.localObjectReference.name = "bpfman-config"
    v2.volumeSource.configMap.optional = True
    ds.spec.updateStrategy.type = "RollingUpdate"
    ds.spec.updateStrategy.rollingUpdate.maxUnavailable.type = 1
    ds.spec.updateStrategy.rollingUpdate.maxUnavailable.strVal = "10%"
    ds.spec.revisionHistoryLimit = 0
    roundtrip("DaemonSet", f"/apis/apps/v1/namespaces/{ns}/daemonsets", "apps/v1", "DaemonSet", ds, {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "bpfman-daemon", "namespace": ns, "labels": {"k8s-app": "bpfman"}},
        "spec": {
            "selector": {"matchLabels": {"name": "bpfman-daemon"}},
            "template": {
                "metadata": {"labels": {"name": "bpfman-daemon"}},
                "spec": {
                    "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet", "serviceAccountName": "bpfman-daemon",
                    "terminationGracePeriodSeconds": 15, "automountServiceAccountToken": False,
                    "securityContext": {"fsGroup": 2000},
                    "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}],
                    "containers": [{
                        "name": "bpfman", "image": "quay.io/bpfman/bpfman:latest", "imagePullPolicy": "IfNotPresent",
                        "command": ["/usr/local/bin/bpfman-rpc"], "args": ["--timeout=0", "--csi-support"],
                        "securityContext": {"privileged": True, "capabilities": {"add": ["CAP_BPF", "CAP_NET_ADMIN"]}},
                        "env": [
                            {"name": "RUST_LOG", "valueFrom": {"configMapKeyRef": {"name": "bpfman-config", "key": "bpfman.log.level", "optional": False}}},
                            {"name": "KUBE_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                        ],
                        "volumeMounts": [{"name": "bpffs", "mountPath": "/sys/fs/bpf", "mountPropagation": "Bidirectional"}],
                        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8175}, "periodSeconds": 20},
                        "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "100m"}},
                    }],
                    "volumes": [
                        {"name": "bpffs", "hostPath": {"path": "/sys/fs/bpf", "type": "DirectoryOrCreate"}},
                        {"name": "bpfman-config", "configMap": {"name": "bpfman-config", "optional": True}},
                    ],
                },
            },
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "revisionHistoryLimit": 0,
        },
    }, pb.DaemonSet)

    # A CSIDriver: its pointer booleans keep false.
    d = pb.CSIDriver()
    meta(d.metadata, "csi.bpfman.io")
    d.spec.attachRequired = False
    d.spec.podInfoOnMount = True
    d.spec.volumeLifecycleModes.append("Ephemeral")
    roundtrip("CSIDriver", "/apis/storage.k8s.io/v1/csidrivers", "storage.k8s.io/v1", "CSIDriver", d, {
        "apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": "csi.bpfman.io"},
        "spec": {"attachRequired": False, "podInfoOnMount": True, "volumeLifecycleModes": ["Ephemeral"]},
    }, pb.CSIDriver)

    # A Lease: MicroTime to the microsecond, pointer ints at zero.
    le = pb.Lease()
    meta(le.metadata, "bpfman-operator", ns)
    le.spec.holderIdentity = "node-a_1234"
    le.spec.leaseDurationSeconds = 15
    le.spec.renewTime.seconds = 1764892800  # 2025-12-05T00:00:00Z
    le.spec.renewTime.nanos = 123456000
    le.spec.acquireTime.seconds = 951782400  # 2000-02-29T00:00:00Z
    le.spec.acquireTime.nanos = 0
    le.spec.leaseTransitions = 0
    roundtrip("Lease", f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", "coordination.k8s.io/v1", "Lease", le, {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "bpfman-operator", "namespace": ns},
        "spec": {"holderIdentity": "node-a_1234", "leaseDurationSeconds": 15, "renewTime": "2025-12-05T00:00:00.123456Z",
                 "acquireTime": "2000-02-29T00:00:00.000000Z", "leaseTransitions": 0},
    }, pb.Lease)

    # A Pod with ownerReferences, finalizers, a CSI volume and an exec probe.
    p = pb.Pod()
    meta(p.metadata, "app", ns, {"app": "demo"})
    p.metadata.annotations["note"] = "from protobuf"
    p.metadata.finalizers.append("example.com/keep")
    o = p.metadata.ownerReferences.add()
    o.apiVersion, o.kind, o.name, o.uid = "apps/v1", "ReplicaSet", "app-rs", "0f0e0d0c-0000-4000-8000-000000000001"
    o.controller = True
    o.blockOwnerDeletion = False
    p.spec.nodeName = "node-a"
    p.spec.restartPolicy = "Never"
    pc = p.spec.containers.add()
    pc.name, pc.image = "app", "busybox"
    pc.command.extend(["sleep", "3600"])
    port = pc.ports.add()
    port.containerPort, port.protocol = 8080, "TCP"
    pc.readinessProbe.handler.exec.command.extend(["cat", "/tmp/ready"])
    pc.readinessProbe.initialDelaySeconds = 5
    vm = pc.volumeMounts.add()
    vm.name, vm.mountPath, vm.readOnly = "maps", "/run/maps", True
    pv = p.spec.volumes.add()
    pv.name = "maps"
    pv.volumeSource.csi.driver = "csi.bpfman.io"
    pv.volumeSource.csi.volumeAttributes["csi.bpfman.io/program"] = "go-xdp-counter-example"
    pv.volumeSource.csi.volumeAttributes["csi.bpfman.io/maps"] = "xdp_stats_map"
    roundtrip("Pod", f"/api/v1/namespaces/{ns}/pods", "v1", "Pod", p, {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "app", "namespace": ns, "labels": {"app": "demo"}, "annotations": {"note": "from protobuf"},
                     "finalizers": ["example.com/keep"],
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "app-rs",
                                          "uid": "0f0e0d0c-0000-4000-8000-000000000001", "controller": True,
                                          "blockOwnerDeletion": False}]},
        "spec": {"nodeName": "node-a", "restartPolicy": "Never", "containers": [{
            "name": "app", "image": "busybox", "command": ["sleep", "3600"],
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "initialDelaySeconds": 5},
            "volumeMounts": [{"name": "maps", "mountPath": "/run/maps", "readOnly": True}]}],
            "volumes": [{"name": "maps", "csi": {"driver": "csi.bpfman.io", "volumeAttributes": {
                "csi.bpfman.io/program": "go-xdp-counter-example", "csi.bpfman.io/maps": "xdp_stats_map"}}}]},
    }, pb.Pod)
    # Its finalizer would keep it; drop it so the namespace can go.
    status, _, _ = call("PATCH", f"/api/v1/namespaces/{ns}/pods/app", b'{"metadata":{"finalizers":null}}',
                        content_type="application/merge-patch+json")

    # A Deployment at replicas 0 (a pointer: zero is a value) and a Service with a named target port.
    dep = pb.Deployment()
    meta(dep.metadata, "web", ns)
    dep.spec.replicas = 0
    dep.spec.selector.matchLabels["app"] = "web"
    dep.spec.template.metadata.labels["app"] = "web"
    wc = dep.spec.template.spec.containers.add()
    wc.name, wc.image = "web", "nginx"
    dep.spec.strategy.type = "Recreate"
    roundtrip("Deployment", f"/apis/apps/v1/namespaces/{ns}/deployments", "apps/v1", "Deployment", dep, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}}, "strategy": {"type": "Recreate"},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
    }, pb.Deployment)

    svc = pb.Service()
    meta(svc.metadata, "web", ns)
    svc.spec.selector["app"] = "web"
    sp = svc.spec.ports.add()
    sp.name, sp.port, sp.protocol = "http", 80, "TCP"
    sp.targetPort.type = 1
    sp.targetPort.strVal = "http"
    roundtrip("Service", f"/api/v1/namespaces/{ns}/services", "v1", "Service", svc, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": ns},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]},
    }, pb.Service)

    # Events of both groups, a Node, a Secret with bytes and a PodDisruptionBudget.
    ev = pb.Event()
    meta(ev.metadata, "web.1", ns)
    ev.involvedObject.kind, ev.involvedObject.name, ev.involvedObject.namespace = "Deployment", "web", ns
    ev.reason, ev.message, ev.type, ev.count = "Scaled", "scaled to 0", "Normal", 2
    ev.firstTimestamp.seconds = 1764892800
    ev.source.component = "bpfman-operator"
    roundtrip("core Event", f"/api/v1/namespaces/{ns}/events", "v1", "Event", ev, {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": ns},
        "involvedObject": {"kind": "Deployment", "name": "web", "namespace": ns},
        "reason": "Scaled", "message": "scaled to 0", "type": "Normal", "count": 2,
        "firstTimestamp": "2025-12-05T00:00:00Z", "source": {"component": "bpfman-operator"},
    }, pb.Event)

    ee = pb.EventsEvent()
    meta(ee.metadata, "web.2", ns)
    ee.eventTime.seconds, ee.eventTime.nanos = 1764892800, 5000
    ee.reportingController, ee.reportingInstance = "bpfman.io/agent", "node-a"
    ee.action, ee.reason, ee.note, ee.type = "Load", "Loaded", "program loaded", "Normal"
    ee.regarding.kind, ee.regarding.name = "XdpProgram", "pass"
    roundtrip("events.k8s.io Event", f"/apis/events.k8s.io/v1/namespaces/{ns}/events", "events.k8s.io/v1", "Event", ee, {
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "web.2", "namespace": ns},
        "eventTime": "2025-12-05T00:00:00.000005Z", "reportingController": "bpfman.io/agent", "reportingInstance": "node-a",
        "action": "Load", "reason": "Loaded", "note": "program loaded", "type": "Normal",
        "regarding": {"kind": "XdpProgram", "name": "pass"},
    }, pb.EventsEvent)

    node = pb.Node()
    meta(node.metadata, "node-pb", labels={"kubernetes.io/hostname": "node-pb"})
    taint = node.spec.taints.add()
    taint.key, taint.effect = "dedicated", "NoSchedule"
    roundtrip("Node", "/api/v1/nodes", "v1", "Node", node, {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-pb", "labels": {"kubernetes.io/hostname": "node-pb"}},
        "spec": {"taints": [{"key": "dedicated", "effect": "NoSchedule"}]},
    }, pb.Node)

    sec = pb.Secret()
    meta(sec.metadata, "creds", ns)
    sec.type = "Opaque"
    sec.data["key"] = b"\x00\xffbinary"
    roundtrip("Secret", f"/api/v1/namespaces/{ns}/secrets", "v1", "Secret", sec, {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": ns}, "type": "Opaque",
        "data": {"key": base64.b64encode(b"\x00\xffbinary").decode()},
    }, pb.Secret)

    pdb = pb.PodDisruptionBudget()
    meta(pdb.metadata, "web", ns)
    pdb.spec.minAvailable.type = 0
    pdb.spec.minAvailable.intVal = 0
    pdb.spec.selector.matchExpressions.add(key="app", operator="In", values=["web"])
    roundtrip("PodDisruptionBudget", f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets", "policy/v1",
              "PodDisruptionBudget", pdb, {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": ns},
        "spec": {"minAvailable": 0, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}},
    }, pb.PodDisruptionBudget)

    # OpenShift's SecurityContextConstraints: booleans JSON always writes, a pointer priority.
    scc = pb.SecurityContextConstraints()
    meta(scc.metadata, "bpfman-restricted")
    scc.allowPrivilegedContainer = False
    scc.allowHostNetwork = False
    scc.priority = 0
    scc.requiredDropCapabilities.append("ALL")
    scc.runAsUser.type = "MustRunAsNonRoot"
    scc.volumes.extend(["configMap", "csi"])
    roundtrip("SecurityContextConstraints", "/apis/security.openshift.io/v1/securitycontextconstraints",
              "security.openshift.io/v1", "SecurityContextConstraints", scc, {
        "apiVersion": "security.openshift.io/v1", "kind": "SecurityContextConstraints",
        "metadata": {"name": "bpfman-restricted"}, "allowPrivilegedContainer": False, "allowHostNetwork": False,
        "priority": 0, "requiredDropCapabilities": ["ALL"], "runAsUser": {"type": "MustRunAsNonRoot"},
        "volumes": ["configMap", "csi"],
    }, pb.SecurityContextConstraints)

    # A ConfigMap with binary data, a ServiceAccount and RBAC objects.
    cm = pb.ConfigMap()
    meta(cm.metadata, "bpfman-config", ns)
    cm.data["bpfman.log.level"] = "info"
    cm.binaryData["blob"] = b"\x01\x02"
    cm.immutable = False
    roundtrip("ConfigMap", f"/api/v1/namespaces/{ns}/configmaps", "v1", "ConfigMap", cm, {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bpfman-config", "namespace": ns},
        "data": {"bpfman.log.level": "info"}, "binaryData": {"blob": "AQI="}, "immutable": False,
    }, pb.ConfigMap)

    sa = pb.ServiceAccount()
    meta(sa.metadata, "bpfman-daemon", ns)
    sa.automountServiceAccountToken = False
    sa.imagePullSecrets.add(name="quay")
    roundtrip("ServiceAccount", f"/api/v1/namespaces/{ns}/serviceaccounts", "v1", "ServiceAccount", sa, {
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bpfman-daemon", "namespace": ns},
        "automountServiceAccountToken": False, "imagePullSecrets": [{"name": "quay"}],
    }, pb.ServiceAccount)

    cr = pb.ClusterRole()
    meta(cr.metadata, "bpfman-aggregate")
    cr.aggregationRule.clusterRoleSelectors.add().matchLabels["bpfman.io/aggregate"] = "true"
    rule = cr.rules.add()
    rule.verbs.extend(["get", "list"])
    rule.apiGroups.append("bpfman.io")
    rule.resources.append("bpfprograms")
    rule.resourceNames.append("one")
    roundtrip("ClusterRole", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "rbac.authorization.k8s.io/v1",
              "ClusterRole", cr, {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "bpfman-aggregate"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"bpfman.io/aggregate": "true"}}]},
        "rules": [{"verbs": ["get", "list"], "apiGroups": ["bpfman.io"], "resources": ["bpfprograms"], "resourceNames": ["one"]}],
    }, pb.ClusterRole)

    rb = pb.RoleBinding()
    meta(rb.metadata, "bpfman-daemon", ns)
    rb.roleRef.apiGroup, rb.roleRef.kind, rb.roleRef.name = "rbac.authorization.k8s.io", "ClusterRole", "bpfman-aggregate"
    rb.subjects.add(kind="ServiceAccount", name="bpfman-daemon", namespace=ns)
    roundtrip("RoleBinding", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
              "rbac.authorization.k8s.io/v1", "RoleBinding", rb, {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "bpfman-daemon", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "bpfman-aggregate"},
        "subjects": [{"kind": "ServiceAccount", "name": "bpfman-daemon", "namespace": ns}],
    }, pb.RoleBinding)

    # A list answered in protobuf: ListMeta then each item as its kind's message.
    status, ctype, data = call("GET", f"/apis/apps/v1/namespaces/{ns}/daemonsets", accept=PROTO)
    names = []
    if status == 200 and ctype.startswith(PROTO):
        u = unwrap(data)
        raw, i = u.raw, 0
        while i < len(raw):
            key, i = varint(raw, i)
            length, i = varint(raw, i)
            if key >> 3 == 2:
                item = pb.DaemonSet()
                item.ParseFromString(raw[i:i + length])
                names.append(item.metadata.name)
            i += length
        check("a DaemonSetList answered in protobuf", u.typeMeta.kind == "DaemonSetList" and names == ["bpfman-daemon"],
              (u.typeMeta.kind, names))
    else:
        check("a DaemonSetList answered in protobuf", False, (status, ctype))

    # Bad input: refused with a message saying what and where; nothing made.
    bad = pb.Pod()
    meta(bad.metadata, "bad", ns)
    bad.spec.containers.add(name="c", image="x")
    raw = bytearray(bad.SerializeToString())
    # Append an unknown field 99 (varint) to the spec: rebuild spec bytes by hand.
    spec = bytearray(bad.spec.SerializeToString()) + bytes([0x98, 0x06, 0x01])
    m = bytearray(bad.metadata.SerializeToString())
    raw = bytes([0x0a]) + venc(len(m)) + m + bytes([0x12]) + venc(len(spec)) + spec
    u = pb.Unknown()
    u.typeMeta.apiVersion, u.typeMeta.kind, u.raw = "v1", "Pod", bytes(raw)
    status, _, data = call("POST", f"/api/v1/namespaces/{ns}/pods", b"k8s\x00" + u.SerializeToString(), content_type=PROTO)
    msg = json.loads(data).get("message", "") if data[:1] == b"{" else ""
    check("an unknown field number is refused, naming it and where", status == 415 and "field 99 of PodSpec at Pod.spec" in msg,
          (status, msg))
    check("  and nothing was created", call("GET", f"/api/v1/namespaces/{ns}/pods/bad")[0] == 404)
    good = envelope("v1", "Pod", bad)
    status, _, data = call("POST", f"/api/v1/namespaces/{ns}/pods", good[:-3], content_type=PROTO)
    check("a truncated body is a 400 saying so", status == 400 and b"truncated" in data, (status, data[:200]))
    rs = pb.Unknown()
    rs.typeMeta.apiVersion, rs.typeMeta.kind, rs.raw = "apps/v1", "ReplicaSet", b"\x0a\x04\x0a\x02rs"
    status, _, data = call("POST", f"/apis/apps/v1/namespaces/{ns}/replicasets", b"k8s\x00" + rs.SerializeToString(),
                           content_type=PROTO)
    check("a served kind without a protobuf schema is a 415 saying to send JSON", status == 415 and b"send JSON" in data,
          (status, data[:200]))
    check("  and nothing was created", call("GET", f"/apis/apps/v1/namespaces/{ns}/replicasets/rs")[0] == 404)

    print("all passed" if not failures else f"{len(failures)} failed: {failures}")
    sys.exit(1 if failures else 0)


def varint(b, i):
    v, shift = 0, 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        if not x & 0x80:
            return v, i
        shift += 7


def venc(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


main()
