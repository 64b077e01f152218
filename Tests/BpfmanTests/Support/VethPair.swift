import Foundation
import TestHelpers

/// A veth pair for one test: `host` in the root namespace, `peer` in a fresh
/// network namespace, each with an address on a private /24. Only these test
/// interfaces are ever attached to.
final class VethPair: @unchecked Sendable {
    let namespace: String
    let host: String
    let peer: String
    let hostIP: String
    let peerIP: String
    var netnsPath: String { "/var/run/netns/\(namespace)" }

    /// `peer` names the namespace end (like every pod's `eth0`); by default unique.
    init(peer peerName: String? = nil) throws {
        let tag = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(6)).lowercased()
        namespace = "bpfmt-\(tag)"
        host = "bt\(tag)h"
        peer = peerName ?? "bt\(tag)n"
        let subnet = Int.random(in: 1...250)
        hostIP = "10.213.\(subnet).1"
        peerIP = "10.213.\(subnet).2"
        try Shell.sh("""
            set -e
            ip netns add \(namespace)
            ip link add \(host) type veth peer name \(peer) netns \(namespace)
            ip addr add \(hostIP)/24 dev \(host)
            ip link set \(host) up
            ip -n \(namespace) addr add \(peerIP)/24 dev \(peer)
            ip -n \(namespace) link set \(peer) up
            ip -n \(namespace) link set lo up
            """)
        // Resolve neighbours once so test traffic is all UDP.
        _ = try? Shell.sh("ip netns exec \(namespace) ping -c1 -W2 \(hostIP)")
    }

    deinit {
        _ = try? Shell.run("/bin/bash", ["-c", "ip link del \(host) 2>/dev/null; ip netns del \(namespace)"])
    }

    /// Sends `count` UDP datagrams from the namespace to the host end.
    func sendToHost(_ count: Int, port: Int = 9999) throws {
        try Shell.sh("ip netns exec \(namespace) bash -c 'for i in $(seq \(count)); do echo bpfman > /dev/udp/\(hostIP)/\(port); done'")
    }

    /// Sends `count` UDP datagrams from the host end into the namespace.
    func sendToPeer(_ count: Int, port: Int = 9999) throws {
        try Shell.sh("for i in $(seq \(count)); do echo bpfman > /dev/udp/\(peerIP)/\(port); done")
    }
}
