import Foundation
import KubeSim
import Testing

/// kubectl, driven as a user would, against kubesim over HTTPS with the
/// kubeconfig kubesim writes.
@Suite("kubectl against kubesim", .serialized)
struct KubectlTests {
    @Test func applyGetDescribeAndPrinterColumns() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let a = try await h.kubectl(["apply", "-f", "-"], stdin: Fixtures.xdp("xdp-a", priority: 42, function: "count_pkts"))
            #expect(a.ok && a.stdout.contains("xdpprogram.bpfman.io/xdp-a created"), "\(a.stdout)\(a.stderr)")

            let get = try await h.kubectl(["get", "xdpprograms"])
            let header = get.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(header.contains("BPFFUNCTIONNAME") && header.contains("STATUS") && !header.contains("PRIORITY"), "\(get.stdout)")
            #expect(get.stdout.contains("count_pkts"))
            let wide = try await h.kubectl(["get", "xdpprogram", "xdp-a", "-o", "wide"])
            #expect(wide.stdout.contains("PRIORITY") && wide.stdout.contains("42"), "\(wide.stdout)")

            let yaml = try await h.kubectl(["get", "xdpprogram", "xdp-a", "-o", "yaml"])
            #expect(yaml.stdout.contains("imagepullpolicy: IfNotPresent"), "default applied: \(yaml.stdout)")
            #expect(yaml.stdout.contains("- dispatcher_return"), "array default applied")
            #expect(yaml.stdout.contains("uid: ") && yaml.stdout.contains("resourceVersion: "))

            let d = try await h.kubectl(["describe", "xdpprogram", "xdp-a"])
            #expect(d.ok && d.stdout.contains("Name:         xdp-a") && d.stdout.contains("Bpffunctionname:  count_pkts"), "\(d.stdout)\(d.stderr)")

            let ar = try await h.kubectl(["api-resources"])
            #expect(ar.stdout.contains("xdpprograms") && ar.stdout.contains("bpfman.io/v1alpha1"), "\(ar.stdout)\(ar.stderr)")
            #expect(ar.stdout.contains("customresourcedefinitions") && ar.stdout.contains("daemonsets"))
        }
    }

    @Test func patchLabelStatusAndWait() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let kr1 = try await h.kubectl(["apply", "-f", "-"], stdin: Fixtures.xdp("xdp-p"))
            #expect(kr1.ok)
            let kr2 = try await h.kubectl(["patch", "xdpprogram", "xdp-p", "--type", "merge", "-p", #"{"spec":{"priority":60}}"#])
            #expect(kr2.ok)
            let jp = try await h.kubectl(["patch", "xdpprogram", "xdp-p", "--type", "json",
                                          "-p", #"[{"op":"replace","path":"/spec/bpffunctionname","value":"drop_all"}]"#])
            #expect(jp.ok)
            let kr3 = try await h.kubectl(["label", "xdpprogram", "xdp-p", "tier=edge"])
            #expect(kr3.ok)
            let sel = try await h.kubectl(["get", "xdpprogram", "-l", "tier=edge", "-o", "jsonpath={.items[*].spec.priority} {.items[*].spec.bpffunctionname} {.items[*].metadata.generation}"])
            #expect(sel.stdout == "60 drop_all 3", "two spec changes bump generation twice: \(sel.stdout)")
            let none = try await h.kubectl(["get", "xdpprogram", "-l", "tier!=edge", "-o", "name"])
            #expect(none.stdout.isEmpty)

            // kubectl wait blocks until a status condition appears.
            let (waiter, out) = try h.kubectlBackground(["wait", "--for=condition=Loaded", "xdpprogram/xdp-p", "--timeout=30s"])
            try await Task.sleep(for: .milliseconds(800))
            #expect(waiter.isRunning, "wait must block before the condition exists")
            let st = try await h.kubectl(["patch", "xdpprogram", "xdp-p", "--subresource=status", "--type", "merge", "-p",
                                    #"{"status":{"conditions":[{"type":"Loaded","status":"True","reason":"Loaded","message":"ok"}]}}"#])
            #expect(st.ok, "\(st.stderr)")
            let (waiterStatus, text) = try await h.finish(waiter, out)
            #expect(waiterStatus == 0 && text.contains("condition met"), "\(text)")
            let cols = try await h.kubectl(["get", "xdpprogram", "xdp-p"])
            #expect(cols.stdout.contains("Loaded"), "status column from .status.conditions[0].reason: \(cols.stdout)")
            let gen = try await h.kubectl(["get", "xdpprogram", "xdp-p", "-o", "jsonpath={.metadata.generation}"])
            #expect(gen.stdout == "3", "a status write leaves generation alone")
        }
    }

    @Test func watchSeesLaterChange() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let kr4 = try await h.kubectl(["apply", "-f", "-"], stdin: Fixtures.xdp("xdp-w", function: "before_fn"))
            #expect(kr4.ok)
            let (watcher, out) = try h.kubectlBackground(["get", "xdpprograms", "-w", "--request-timeout=60s"])
            // Change the object only once kubectl's watch is open.
            for _ in 0..<600 where h.sim.store.watcherCount == 0 { try await Task.sleep(for: .milliseconds(50)) }
            let kr5 = try await h.kubectl(["patch", "xdpprogram", "xdp-w", "--type", "merge", "-p", #"{"spec":{"bpffunctionname":"after_fn"}}"#])
            #expect(kr5.ok)
            try await Task.sleep(for: .seconds(2))
            watcher.terminate()
            let (watcherStatus, text) = try await h.finish(watcher, out)
            #expect(text.contains("before_fn") && text.contains("after_fn"), "\(text)")
        }
    }

    @Test func deleteWaitsForFinalizer() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let kr6 = try await h.kubectl(["apply", "-f", "-"], stdin: Fixtures.xdp("xdp-f"))
            #expect(kr6.ok)
            let kr7 = try await h.kubectl(["patch", "xdpprogram", "xdp-f", "--type", "merge", "-p", #"{"metadata":{"finalizers":["bpfman.io/test"]}}"#])
            #expect(kr7.ok)
            let (deleter, out) = try h.kubectlBackground(["delete", "xdpprogram", "xdp-f", "--timeout=30s"])
            try await Task.sleep(for: .seconds(1))
            #expect(deleter.isRunning, "delete waits while a finalizer is present")
            let ts = try await h.kubectl(["get", "xdpprogram", "xdp-f", "-o", "jsonpath={.metadata.deletionTimestamp}"])
            #expect(!ts.stdout.isEmpty, "deletionTimestamp set")
            // New finalizers cannot be added to an object being deleted.
            let add = try await h.kubectl(["patch", "xdpprogram", "xdp-f", "--type", "merge", "-p", #"{"metadata":{"finalizers":["bpfman.io/test","x/y"]}}"#])
            #expect(!add.ok && add.stderr.contains("no new finalizers"), "\(add.stderr)")
            let kr8 = try await h.kubectl(["patch", "xdpprogram", "xdp-f", "--type", "json", "-p", #"[{"op":"remove","path":"/metadata/finalizers"}]"#])
            #expect(kr8.ok)
            let (deleterStatus, text) = try await h.finish(deleter, out)
            #expect(deleterStatus == 0 && text.contains("deleted"), "\(text)")
            let gone = try await h.kubectl(["get", "xdpprogram", "xdp-f"])
            #expect(!gone.ok && gone.stderr.contains("NotFound"))
        }
    }

    @Test func serverSideApplyWithConflicts() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let a = try await h.kubectl(["apply", "--server-side", "-f", "-"], stdin: Fixtures.xdp("xdp-s", priority: 10))
            #expect(a.ok && a.stdout.contains("serverside-applied"), "\(a.stdout)\(a.stderr)")
            let kr9 = try await h.kubectl(["patch", "xdpprogram", "xdp-s", "--type", "merge", "-p", #"{"spec":{"priority":20}}"#])
            #expect(kr9.ok)
            let c = try await h.kubectl(["apply", "--server-side", "-f", "-"], stdin: Fixtures.xdp("xdp-s", priority: 30))
            #expect(!c.ok && c.stderr.contains("conflict with \"kubectl-patch\"") && c.stderr.contains(".spec.priority"), "\(c.stderr)")
            let f = try await h.kubectl(["apply", "--server-side", "--force-conflicts", "-f", "-"], stdin: Fixtures.xdp("xdp-s", priority: 30))
            #expect(f.ok, "\(f.stderr)")
            let p = try await h.kubectl(["get", "xdpprogram", "xdp-s", "-o", "jsonpath={.spec.priority}"])
            #expect(p.stdout == "30")
            let mf = try await h.kubectl(["get", "xdpprogram", "xdp-s", "-o", "jsonpath={.metadata.managedFields[*].manager}", "--show-managed-fields"])
            #expect(mf.stdout.contains("kubectl"), "\(mf.stdout)")
        }
    }

    @Test func builtinsThroughApplyAndNamespaceDeletion() async throws {
        try await SimHarness.with { h in
            let manifest = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team}
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent, namespace: team}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec:
                  containers:
                  - {name: agent, image: "quay.io/bpfman/agent:v1"}
                  - {name: rpc, image: "quay.io/bpfman/rpc:v1"}
            """
            let kr10 = try await h.kubectl(["apply", "-f", "-"], stdin: manifest)
            #expect(kr10.ok)
            // A client-side re-apply sends a strategic merge patch: containers merge by name.
            let r = try await h.kubectl(["apply", "-f", "-"], stdin: manifest.replacingOccurrences(of: "agent:v1", with: "agent:v2"))
            #expect(r.ok && r.stdout.contains("daemonset.apps/agent configured"), "\(r.stdout)\(r.stderr)")
            let imgs = try await h.kubectl(["-n", "team", "get", "ds", "agent", "-o", "jsonpath={.spec.template.spec.containers[*].image}"])
            #expect(imgs.stdout == "quay.io/bpfman/agent:v2 quay.io/bpfman/rpc:v1", "\(imgs.stdout)")
            let kr11 = try await h.kubectl(["delete", "ns", "team", "--timeout=20s"])
            #expect(kr11.ok)
            let left = try await h.kubectl(["get", "ds", "-A", "-o", "name"])
            #expect(left.stdout.isEmpty, "namespace deletion removes its contents")
            let ns = try await h.kubectl(["get", "ns", "team"])
            #expect(!ns.ok)
        }
    }

    @Test func clientCertificateKubeconfig() async throws {
        try await SimHarness.with { h in
            let kc = try h.sim.writeKubeconfig(to: h.dir + "/cert-kubeconfig", clientCertificate: true)
            let text = try String(contentsOfFile: kc, encoding: .utf8)
            #expect(text.contains("client-certificate-data") && !text.contains("\"token\""))
            let r = try await h.kubectl(["--kubeconfig", kc, "get", "ns", "default", "-o", "name"])
            #expect(r.ok && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "namespace/default", "\(r.stderr)")
        }
    }
}

extension KubectlTests {
    /// kubectl's generator commands send protobuf for built-ins.
    @Test func generatorCommandsSendingProtobuf() async throws {
        try await SimHarness.with { h in
            let ns = try await h.kubectl(["create", "namespace", "gen"])
            #expect(ns.ok, "\(ns.stderr)")
            let cm = try await h.kubectl(["-n", "gen", "create", "configmap", "c1", "--from-literal=a=b", "--from-literal=c=d"])
            #expect(cm.ok, "\(cm.stderr)")
            let sec = try await h.kubectl(["-n", "gen", "create", "secret", "generic", "s1", "--from-literal=pw=hunter2"])
            #expect(sec.ok, "\(sec.stderr)")
            let got = try await h.kubectl(["-n", "gen", "get", "cm", "c1", "-o", "jsonpath={.data.a}{.data.c} {.metadata.generation}"])
            #expect(got.stdout == "bd ", "\(got.stdout)")
            let s = try await h.kubectl(["-n", "gen", "get", "secret", "s1", "-o", "jsonpath={.data.pw} {.type}"])
            #expect(s.stdout == "aHVudGVyMg== Opaque", "\(s.stdout)")
            // kubectl's Go encoder sends these in protobuf too; pointer zeros (replicas 0) survive.
            let dep = try await h.kubectl(["-n", "gen", "create", "deployment", "web", "--image=nginx", "--replicas=0", "--port=8080"])
            #expect(dep.ok && dep.stdout.contains("deployment.apps/web created"), "\(dep.stdout) \(dep.stderr)")
            let d = try await h.kubectl(["-n", "gen", "get", "deployment", "web", "-o",
                                         "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.selector.matchLabels.app}"])
            #expect(d.stdout == "0 nginx 8080 web", "\(d.stdout) \(d.stderr)")
            let pod = try await h.kubectl(["-n", "gen", "run", "p1", "--image=busybox", "--restart=Never", "--labels=app=p1", "--", "sleep", "60"])
            #expect(pod.ok, "\(pod.stderr)")
            let p = try await h.kubectl(["-n", "gen", "get", "pod", "p1", "-o",
                                         "jsonpath={.spec.containers[0].args} {.spec.restartPolicy} {.metadata.labels.app}"])
            #expect(p.stdout == #"["sleep","60"] Never p1"#, "\(p.stdout) \(p.stderr)")
            let svc = try await h.kubectl(["-n", "gen", "create", "service", "clusterip", "web", "--tcp=80:8080"])
            #expect(svc.ok, "\(svc.stderr)")
            let sv = try await h.kubectl(["-n", "gen", "get", "service", "web", "-o", "jsonpath={.spec.ports[0].port} {.spec.ports[0].targetPort}"])
            #expect(sv.stdout == "80 8080", "\(sv.stdout) \(sv.stderr)")
            let pdb = try await h.kubectl(["-n", "gen", "create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=50%"])
            #expect(pdb.ok, "\(pdb.stderr)")
            let pd = try await h.kubectl(["-n", "gen", "get", "pdb", "web", "-o", "jsonpath={.spec.minAvailable} {.spec.selector.matchLabels.app}"])
            #expect(pd.stdout == "50% web", "\(pd.stdout) \(pd.stderr)")
        }
    }
}
