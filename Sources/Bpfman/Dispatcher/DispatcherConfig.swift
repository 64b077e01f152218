/// The `.rodata` configuration of a dispatcher revision, byte for byte:
/// XDP in libxdp's v2 layout (`conf`, 124 bytes), TC in bpfman's (`CONFIG`,
/// 84 bytes). Values are host-endian, as the kernel reads them.
public struct DispatcherConfig: Sendable, Equatable {
    public static let maxPrograms = 10
    public static let xdpMagic: UInt8 = 236
    public static let xdpVersion: UInt8 = 2
    /// What an empty slot returns: always in every mask, so it is skipped.
    public static let xdpStubReturn: Int32 = 31
    public static let tcStubReturn: Int32 = 30
    /// bpfman writes this into every run_prios entry (the real order is the slot order).
    public static let runPriority: UInt32 = 50

    public enum Hook: String, Codable, Sendable { case xdp, tc }

    public var hook: Hook
    /// Proceed-on masks, one per enabled slot in slot order.
    public var masks: [UInt32]

    public init(hook: Hook, masks: [UInt32]) {
        self.hook = hook
        self.masks = masks
    }

    /// XDP proceed-on mask: bit `action`.
    public static func mask(_ actions: [XdpAction]) -> UInt32 {
        actions.reduce(0) { $0 | (1 << UInt32($1.rawValue)) }
    }

    /// TC proceed-on mask: bit `action + 1`, so TC_ACT_UNSPEC (-1) is bit 0.
    public static func mask(_ actions: [TcAction]) -> UInt32 {
        actions.reduce(0) { $0 | (1 << UInt32($1.rawValue + 1)) }
    }

    /// The bytes to put at offset 0 of the dispatcher's `.rodata`.
    public var bytes: [UInt8] {
        precondition(masks.count <= Self.maxPrograms, "a dispatcher has 10 slots")
        var out: [UInt8]
        switch hook {
        case .xdp:
            out = [Self.xdpMagic, Self.xdpVersion, UInt8(masks.count), 0]
        case .tc:
            out = [UInt8(masks.count), 0, 0, 0]
        }
        func words(_ values: [UInt32]) {
            for i in 0..<Self.maxPrograms {
                withUnsafeBytes(of: i < values.count ? values[i] : 0) { out.append(contentsOf: $0) }
            }
        }
        words(masks)
        words(Array(repeating: Self.runPriority, count: masks.count))
        if hook == .xdp { words([]) }  // program_flags: all 0
        return out
    }

    /// The configuration of a "test" dispatcher: every slot skipped and
    /// `compat_test` reachable (11 programs enabled), so an extension can be
    /// verified against `compat_test` before it is linked anywhere.
    public static func compatTest(_ hook: Hook) -> [UInt8] {
        var bytes = DispatcherConfig(hook: hook, masks: Array(repeating: 1 << 31, count: maxPrograms)).bytes
        bytes[hook == .xdp ? 2 : 0] = UInt8(maxPrograms + 1)
        return bytes
    }

    /// The dispatcher program's name in its object.
    public var programName: String { hook == .xdp ? "xdp_dispatcher" : "tc_dispatcher" }

    /// The name of the config variable in the dispatcher object.
    public var symbol: String { hook == .xdp ? "conf" : "CONFIG" }
}
