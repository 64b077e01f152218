import CBpfShim

/// libbpf's diagnostic output, collected per thread so errors can carry it.
public enum LibbpfLog {
    private static let installOnce: Void = { bpfman_libbpf_install_printer() }()

    /// Starts collecting afresh on this thread.
    public static func reset() {
        _ = installOnce
        bpfman_log_reset()
    }

    /// What this thread collected since `reset()`.
    public static func text() -> String { String(cString: bpfman_log_text()) }

    /// Runs `body`, turning a negative result into a `KernelError` with the log.
    @discardableResult
    public static func check(_ operation: @autoclosure () -> String, _ body: () -> Int32) throws -> Int32 {
        reset()
        let rc = body()
        if rc < 0 { throw KernelError(operation(), errno: rc, libbpfLog: text()) }
        return rc
    }
}
