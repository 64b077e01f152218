import BpfmanAPI
import Foundation
import Glibc

/// The interfaces a network program names on this node (operator spec §3.5):
/// the list given, or the node's primary interface — the local interface
/// holding one of the Node's InternalIP addresses.
public enum InterfaceResolution {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func interfaces(_ selector: InterfaceSelector, node: NodeObject,
                                  local: () -> [(name: String, address: String)] = localAddresses) throws -> [String] {
        if let list = selector.interfaces, !list.isEmpty { return list }
        // Only `true` asks for the primary interface (upstream takes any value, even false).
        guard selector.primarynodeinterface == true else {
            throw SpecError("no interfaces selected: give interfaceselector.interfaces or primarynodeinterface: true")
        }
        let ips = node.internalIPs
        let addresses = local()
        for ip in ips {
            if let hit = addresses.first(where: { $0.address == ip }) { return [hit.name] }
        }
        throw Failure(description: "unable to find the node's primary interface: no local interface has its InternalIP \(ips.joined(separator: ", "))")
    }

    /// IPv4 and IPv6 addresses of this network namespace's interfaces.
    public static func localAddresses() -> [(name: String, address: String)] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var out: [(String, String)] = []
        var p: UnsafeMutablePointer<ifaddrs>? = first
        while let cur = p {
            defer { p = cur.pointee.ifa_next }
            guard let sa = cur.pointee.ifa_addr else { continue }
            let family = Int32(sa.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let len = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(sa, len, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let addr = String(cString: host).split(separator: "%").first.map(String.init) ?? ""
            out.append((String(cString: cur.pointee.ifa_name), addr))
        }
        return out
    }
}
