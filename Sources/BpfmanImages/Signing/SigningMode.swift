/// What happens to an image without a signature the policy trusts.
public enum SigningMode: String, Sendable, Equatable, CaseIterable {
    /// No signature is looked for.
    case off
    /// Looked for and verified; an image that fails loads with a warning kept in its record.
    case warn
    /// Refused unless a trusted signature names its digest.
    case enforce
}
