import BpfKernel

/// Resolves an interface name inside an optional network namespace.
enum InterfaceResolver {
    static func ifindex(_ iface: String, netns: String?) throws -> UInt32 {
        if let netns, !Pins.exists(netns) {
            throw BpfmanError.notFound("network namespace \(netns) does not exist")
        }
        if let netns, !NetworkNamespace.isNamespaceFile(netns) {
            throw BpfmanError.invalid("network namespace \(netns) is not a network namespace: name a bind mount such as /var/run/netns/NAME or /proc/PID/ns/net")
        }
        let index = try NetworkNamespace.run(netns) { NetworkNamespace.interfaceIndex(iface) }
        guard let index else {
            let where_ = netns.map { " in network namespace \($0)" } ?? ""
            throw BpfmanError.notFound("interface \"\(iface)\" not found\(where_)")
        }
        return index
    }

    static func netnsInode(_ netns: String?) -> UInt64 { NetworkNamespace.inode(netns) }
}
