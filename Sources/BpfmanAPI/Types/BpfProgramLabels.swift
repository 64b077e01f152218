/// Labels and annotations upstream puts on per-node BpfPrograms, and the
/// operator's finalizer (operator spec §3.4, §4.4).
public enum BpfProgramLabels {
    public static let ownedBy = "bpfman.io/ownedByProgram"
    public static let appProgramID = "bpfman.io/appProgramId"
    public static let hostname = "kubernetes.io/hostname"
    public static let programIDAnnotation = "bpfman.io/ProgramId"
    /// On every user object and on `bpfman-config` / `bpfman-daemon`.
    public static let operatorFinalizer = "bpfman.io.operator/finalizer"
}
