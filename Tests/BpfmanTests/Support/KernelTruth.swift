import Foundation
import TestHelpers

/// What the kernel holds, read with tools that are not bpfman (bpftool and
/// iproute2's tc), so a test compares bpfman's records with the truth rather
/// than with bpfman's own listing.
enum KernelTruth {
    struct Program: Decodable { let id: UInt32; let name: String? }
    struct Link: Decodable { let id: UInt32; let prog_id: UInt32? }

    /// Programs loaded now whose id is above `after` and whose name is one of
    /// `names` (bpftool prints the BTF name in full, or the kernel's
    /// 15-character name when there is no BTF).
    static func programs(named names: Set<String>, after: UInt32) throws -> Set<UInt32> {
        let known = names.union(names.map { String($0.prefix(15)) })
        let all = try JSONDecoder().decode([Program].self, from: Data(try Shell.sh("bpftool -j prog show").utf8))
        return Set(all.filter { $0.id > after && known.contains($0.name ?? "") }.map(\.id))
    }

    /// Re-reads `read` until it equals `expected`, for up to two seconds: the
    /// kernel frees a program whose last reference went away after an RCU
    /// grace period, not at once. Returns the last value read.
    static func settled<T: Equatable>(_ expected: T, _ read: () throws -> T) rethrows -> T {
        var value = try read()
        for _ in 0..<40 where value != expected {
            usleep(50_000)
            value = try read()
        }
        return value
    }

    /// The highest program id in use now (a baseline for `programs`).
    static func highestProgramID() throws -> UInt32 {
        try JSONDecoder().decode([Program].self, from: Data(try Shell.sh("bpftool -j prog show").utf8)).map(\.id).max() ?? 0
    }

    /// Every bpf_link's program id.
    static func linkedPrograms() throws -> [UInt32] {
        try JSONDecoder().decode([Link].self, from: Data(try Shell.sh("bpftool -j link show").utf8)).compactMap(\.prog_id)
    }

    /// One tc filter as `tc -j filter show` prints it.
    struct Filter: Decodable {
        struct Options: Decodable {
            struct Prog: Decodable { let id: UInt32 }
            let handle: String?
            let prog: Prog?
        }
        let pref: UInt32?
        let kind: String?
        let options: Options?
    }

    /// The filters on `dev`'s `direction` hook (in `netns` when given); an
    /// interface without clsact has none.
    static func filters(dev: String, direction: String, netns: String? = nil) throws -> [Filter] {
        let prefix = netns.map { "ip netns exec \($0) " } ?? ""
        let out = try Shell.sh("\(prefix)tc -j filter show dev \(dev) \(direction) 2>/dev/null || echo '[]'")
        let text = out.trimmingCharacters(in: .whitespacesAndNewlines)
        return try JSONDecoder().decode([Filter].self, from: Data((text.isEmpty ? "[]" : text).utf8)).filter { $0.options != nil }
    }

    /// Whether `dev` (in `netns` when given) has a clsact qdisc.
    static func hasClsact(dev: String, netns: String? = nil) throws -> Bool {
        let prefix = netns.map { "ip netns exec \($0) " } ?? ""
        return try Shell.sh("\(prefix)tc qdisc show dev \(dev)").contains("qdisc clsact")
    }

    /// The program ids the BPF filters on a hook run.
    static func filterPrograms(dev: String, direction: String, netns: String? = nil) throws -> [UInt32] {
        try filters(dev: dev, direction: direction, netns: netns).compactMap { $0.options?.prog?.id }
    }
}
