/// A node's CSI node plugin as the kubelet calls it for a pod's inline
/// `csi:` volume: NodePublishVolume at the volume's directory, and
/// NodeUnpublishVolume when the pod goes.
public protocol CSIPublisher: Sendable {
    func publish(pod: LocalPod, volume: NodeVolume) async throws
    func unpublish(path: String) async throws
}
