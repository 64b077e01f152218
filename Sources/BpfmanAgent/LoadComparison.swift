import Bpfman

/// How a loaded program differs from what its object now asks for.
/// Everything that shapes the program counts — bytecode, function, global
/// data, metadata, map owner and every attach field (netns, direction and
/// TCX fields included, which upstream does not compare, operator spec §3.7).
public enum LoadDifference: Sendable, Equatable {
    case none
    /// Only the place on its hook moves: bpfman updates it in place.
    /// `proceedOn` holds the wire values of the hook's actions (XDP and TC
    /// share names, not values: `redirect` is 4 for XDP, 7 for TC).
    case placement(priority: Int32, proceedOn: [Int32]?)
    /// Anything else: unload and load again. The string names what differs.
    case reload(String)

    public static func between(loaded: LoadRequest, desired: LoadRequest) -> LoadDifference {
        if loaded.bytecode != desired.bytecode { return .reload("bytecode") }
        if loaded.name != desired.name { return .reload("function name") }
        if loaded.globalData != desired.globalData { return .reload("global data") }
        if loaded.metadata != desired.metadata { return .reload("metadata") }
        if loaded.mapOwnerID != desired.mapOwnerID { return .reload("map owner") }
        if loaded.attach == desired.attach { return .none }
        switch (loaded.attach, desired.attach) {
        case (.xdp(var a), .xdp(let b)):
            a.priority = b.priority; a.proceedOn = b.proceedOn
            return a == b ? .placement(priority: b.priority, proceedOn: b.proceedOn.map(\.rawValue)) : .reload("XDP attach point")
        case (.tc(var a), .tc(let b)):
            a.priority = b.priority; a.proceedOn = b.proceedOn
            return a == b ? .placement(priority: b.priority, proceedOn: b.proceedOn.map(\.rawValue)) : .reload("TC attach point")
        case (.tcx(var a), .tcx(let b)):
            a.priority = b.priority
            return a == b ? .placement(priority: b.priority, proceedOn: nil) : .reload("TCX attach point")
        default:
            return .reload("attach point")
        }
    }
}
