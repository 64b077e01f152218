import Foundation
import KubeClient

/// OpenShift is recognised as upstream does: an API group `route.openshift.io`.
public enum ClusterFlavor {
    public static func isOpenShift(_ client: KubeClient) async throws -> Bool {
        struct Groups: Decodable {
            struct Group: Decodable { var name: String }
            var groups: [Group]
        }
        _ = try await client.send(.GET, "/version")
        let groups = try JSONDecoder().decode(Groups.self, from: Data(try await client.send(.GET, "/apis")))
        return groups.groups.contains { $0.name == "route.openshift.io" }
    }
}
