import FoundationEssentials
import Glibc

/// Test-only crash points. When `BPFMAN_TEST_CRASH_AT` names a point, the
/// process dies there (no clean-up, no unwinding), as a crash or a kill -9
/// would; the crash-recovery tests use it to leave a dispatcher swap or a load
/// half done.
public enum FaultPoint: String, CaseIterable, Sendable {
    /// A new revision is loaded and every program linked into it; not attached yet.
    case dispatcherLinked = "dispatcher-linked"
    /// The new revision is attached; the old one is still there.
    case dispatcherSwapped = "dispatcher-swapped"
    /// The old revision is freed; bpfman's records are not written yet.
    case dispatcherFreed = "dispatcher-freed"
    /// A tc filter is attached; the program's record is not written yet.
    case tcFilterAttached = "tc-filter-attached"
    /// An unload or a priority move has removed the old tc filter; the claim and the record are not updated yet.
    case tcFilterDetached = "tc-filter-detached"
    /// A TCX priority move has detached the program's link; the new one is not attached yet.
    case tcxLinkDetached = "tcx-link-detached"

    /// The points inside a dispatcher swap (each leaves the swap pending).
    public static let dispatcherSwap: [FaultPoint] = [.dispatcherLinked, .dispatcherSwapped, .dispatcherFreed]

    private static let armed: FaultPoint? = ProcessInfo.processInfo.environment["BPFMAN_TEST_CRASH_AT"].flatMap(FaultPoint.init)

    static func hit(_ point: FaultPoint) {
        guard armed == point else { return }
        let line = Array("bpfman: crashing at test fault point \(point.rawValue)\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        _exit(70)
    }
}
