import BpfmanModel

/// How a loaded program differs from what its object now asks for.
/// Everything that shapes the program counts — bytecode, function, global
/// data, metadata, map owner and every attach field (netns, direction and
/// TCX fields included, which upstream does not compare, operator spec §3.7).
public enum LoadDifference: Sendable, Equatable {
    case none
    /// Only the place on its hook moves: bpfman updates it in place
    /// (`proceedOn` nil for TCX, which has none).
    case placement(priority: Int32, proceedOn: ProceedOn?)
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
            return a == b ? .placement(priority: b.priority, proceedOn: .xdp(b.proceedOn)) : .reload("XDP attach point")
        case (.tc(var a), .tc(let b)):
            a.priority = b.priority; a.proceedOn = b.proceedOn
            return a == b ? .placement(priority: b.priority, proceedOn: .tc(b.proceedOn)) : .reload("TC attach point")
        case (.tcx(var a), .tcx(let b)):
            a.priority = b.priority
            return a == b ? .placement(priority: b.priority, proceedOn: nil) : .reload("TCX attach point")
        default:
            return .reload("attach point")
        }
    }
}
