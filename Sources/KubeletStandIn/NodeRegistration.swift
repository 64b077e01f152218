import Foundation
import KubeClient
import Logging

/// The Node object of a local node, as the kubelet registers it: the
/// standard labels, the InternalIP of the node's `eth0`, Ready, and the
/// runtime's name and version.
struct NodeRegistration {
    let client: KubeClient
    let node: NodeFacts
    let labels: [String: String]
    let runtime: any PodRuntime
    let logger: Logger

    static let resource = ResourceInfo(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false)

    static func labels(node: String, extra: [String: String]) -> [String: String] {
        ["kubernetes.io/hostname": node, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"].merging(extra) { _, b in b }
    }

    func register() async throws {
        let name = node.nodeName
        let labels = Self.labels(node: name, extra: labels)
        let object: AnyJSON = ["apiVersion": "v1", "kind": "Node",
                               "metadata": ["name": .string(name), "labels": .object(labels.mapValues(AnyJSON.string))]]
        do {
            let _: AnyJSON = try await client.create(Self.resource, object)
        } catch let e as KubeError where e.isAlreadyExists {
            let body = Array(try JSONEncoder().encode(AnyJSON.object(["metadata": ["labels": .object(labels.mapValues(AnyJSON.string))]])))
            let _: AnyJSON = try await client.patch(Self.resource, name: name, type: .merge, body: body)
        }
        let (runtimeName, runtimeVersion) = try await runtime.version()
        let now = PodSyncer.time(Int64(Date().timeIntervalSince1970 * 1e9))
        let status: AnyJSON = [
            "addresses": [["type": "InternalIP", "address": .string(node.nodeIP)], ["type": "Hostname", "address": .string(name)]],
            "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet stand-in is posting ready status",
                            "lastHeartbeatTime": .string(now), "lastTransitionTime": .string(now)]],
            "nodeInfo": ["containerRuntimeVersion": .string("\(runtimeName)://\(runtimeVersion)"), "kubeletVersion": "v1.32.0-standin",
                         "operatingSystem": "linux", "architecture": "amd64"],
        ]
        let body = Array(try JSONEncoder().encode(AnyJSON.object(["status": status])))
        let _: AnyJSON = try await client.patch(Self.resource, name: name, type: .merge, body: body, subresource: "status")
        logger.info("node registered", metadata: ["node": "\(name)", "internalIP": "\(node.nodeIP)", "runtime": "\(runtimeName) \(runtimeVersion)"])
    }
}
