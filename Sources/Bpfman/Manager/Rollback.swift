/// Undo steps collected while an operation makes kernel objects; run in
/// reverse when it fails so nothing is left behind.
struct Rollback {
    private var steps: [() -> Void] = []

    mutating func add(_ step: @escaping () -> Void) { steps.append(step) }

    func run() {
        for step in steps.reversed() { step() }
    }
}
