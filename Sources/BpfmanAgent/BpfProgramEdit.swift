import BpfmanAPI
import BpfmanModel

/// The agent's three edits of a BpfProgram, each returning the changed
/// object or nil when it already shows what is asked (no write then). Pure.
enum BpfProgramEdit {
    /// The `bpfman.io/ProgramId` annotation (nil removes it).
    static func programID(_ bp: BpfProgram, _ id: UInt32?) -> BpfProgram? {
        let want = id.map(String.init)
        guard bp.metadata.annotations?[BpfProgramTemplate.programIDAnnotation] != want else { return nil }
        var next = bp
        var annotations = next.metadata.annotations ?? [:]
        annotations[BpfProgramTemplate.programIDAnnotation] = want
        next.metadata.annotations = annotations
        return next
    }

    /// The one condition, with the cause as the message's tail (operator spec §3.10).
    static func condition(_ bp: BpfProgram, _ type: BpfProgramConditionType, cause: String?, at now: String) -> BpfProgram? {
        let message = cause.map { "\(type.message): \($0)" } ?? type.message
        if let c = bp.status?.conditions, c.count == 1, c[0].type == type.rawValue, c[0].message == message { return nil }
        var next = bp
        next.status = ProgramStatus(conditions: [Condition(type: type.rawValue, reason: type.reason, message: message, lastTransitionTime: now)])
        return next
    }

    static func withoutFinalizer(_ bp: BpfProgram, _ finalizer: String) -> BpfProgram? {
        guard bp.metadata.finalizers?.contains(finalizer) == true else { return nil }
        var next = bp
        next.metadata.finalizers?.removeAll { $0 == finalizer }
        return next
    }
}

extension ImageSignature {
    /// A warn-mode verdict as the tail of a Loaded condition.
    var statusCause: String { "image signature \(summary)" }

    /// What a Loaded condition says of the image bpfman loaded: the warning, if the verdict is one.
    static func loadedCause(_ signature: ImageSignature?) -> String? {
        guard let signature, signature.verdict == .warning else { return nil }
        return signature.statusCause
    }
}
