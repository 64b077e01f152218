import BpfKernel
import Foundation
import TestHelpers

/// The machine's own network namespace (the test runner's), read with
/// iproute2 and a TCX query: what BPF programs are attached to its interfaces.
enum HostNamespace {
    struct Link: Decodable {
        let ifindex: UInt32
        let ifname: String
        let xdp: AnyXDP?
        struct AnyXDP: Decodable { let prog: Prog? }
        struct Prog: Decodable { let id: UInt32? }
    }

    /// "IFNAME: xdp|tc ingress|tc egress|tcx ingress|tcx egress" for each attachment found.
    static func attachedPrograms() throws -> [String] {
        let links = try JSONDecoder().decode([Link].self, from: Data(try Shell.sh("ip -j -d link show").utf8))
        var found: [String] = []
        for l in links {
            if l.xdp != nil { found.append("\(l.ifname): xdp") }
            for dir in ["ingress", "egress"] {
                if !(try KernelTruth.filters(dev: l.ifname, direction: dir)).isEmpty { found.append("\(l.ifname): tc \(dir)") }
                if !((try? NetworkLinks.tcxPrograms(ifindex: l.ifindex, egress: dir == "egress")) ?? []).isEmpty {
                    found.append("\(l.ifname): tcx \(dir)")
                }
            }
        }
        return found
    }
}

extension KernelTruth {
    /// Every program id loaded now.
    static func programIDs() throws -> Set<UInt32> {
        Set(try JSONDecoder().decode([Program].self, from: Data(try Shell.sh("bpftool -j prog show").utf8)).map(\.id))
    }
}
