import Foundation
import KubeClient
import KubeSim
import TestHelpers

/// A ConfigMap as a typed resource, for the client tests.
struct ConfigMap: KubeResource, Equatable {
    static let resource = ResourceInfo(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
    var apiVersion = "v1"
    var kind = "ConfigMap"
    var metadata: ObjectMeta
    var data: [String: String]?

    init(_ name: String, namespace: String = "default", data: [String: String] = [:], labels: [String: String]? = nil) {
        metadata = ObjectMeta(name: name, namespace: namespace, labels: labels)
        self.data = data
    }
}

/// A kubesim plus a client made from the kubeconfig it writes.
struct ClientHarness {
    let sim: KubeSim
    let dir: String
    let kubeconfig: String
    let client: KubeClient

    static func with(_ configure: (inout KubeSim.Options) -> Void = { _ in }, clientCertificate: Bool = false,
                     _ body: (ClientHarness) async throws -> Void) async throws
    {
        var o = KubeSim.Options()
        configure(&o)
        let sim = try await KubeSim.start(o)
        let dir = NSTemporaryDirectory() + "kubeclient-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let kc = try sim.writeKubeconfig(to: dir + "/kubeconfig", clientCertificate: clientCertificate)
        var config = try KubeConfigLoader.load(path: kc)
        config.qps = 0
        let client = try KubeClient(config: config, maxRetries: 4)
        let h = ClientHarness(sim: sim, dir: dir, kubeconfig: kc, client: client)
        do { try await body(h) } catch {
            await h.shutdown()
            throw error
        }
        await h.shutdown()
    }

    func shutdown() async {
        try? await client.shutdown()
        await sim.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

}
