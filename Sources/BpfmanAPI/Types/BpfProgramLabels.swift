/// Labels and annotations upstream puts on per-node BpfPrograms, and the
/// operator's finalizer (operator spec §3.4, §4.4).
public enum BpfProgramLabels {
    public static let ownedBy = "bpfman.io/ownedByProgram"
    public static let appProgramID = "bpfman.io/appProgramId"
    public static let hostname = "kubernetes.io/hostname"
    public static let programIDAnnotation = "bpfman.io/ProgramId"
    /// On every user object and on `bpfman-config` / `bpfman-daemon`.
    public static let operatorFinalizer = "bpfman.io.operator/finalizer"

    /// A label value holds at most 63 characters (Kubernetes' limit).
    public static let labelValueLimit = 63

    /// Why no BpfProgram can be made for an owner of this name, or nil: every
    /// BpfProgram carries its owner's name as the `ownedBy` label value.
    public static func ownerNameProblem(_ name: String) -> String? {
        guard name.count > labelValueLimit else { return nil }
        return "the name is \(name.count) characters, but no BpfProgram can be made for it: each carries its owner's name as the label \(ownedBy), and a label value holds at most \(labelValueLimit); use a name of \(labelValueLimit) characters or fewer"
    }
}
