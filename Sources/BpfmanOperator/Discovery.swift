import Foundation
import KubeClient
import Logging

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

    /// `isOpenShift`, asked until the server answers (the client logs the
    /// outage and its cause); nil only when the task is cancelled.
    public static func discover(_ client: KubeClient, logger: Logger) async -> Bool? {
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(30))
        while !Task.isCancelled {
            do {
                return try await isOpenShift(client)
            } catch {
                logger.warning("cannot discover the API server's groups yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff.next())
            }
        }
        return nil
    }
}
