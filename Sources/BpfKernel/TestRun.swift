import CBpfShim

/// BPF_PROG_TEST_RUN: runs a loaded program on a given input in the kernel,
/// for checking a program's verdicts and timing it.
public enum TestRun {
    public struct Result: Sendable {
        public var returnValue: UInt32
        /// Average nanoseconds per run, as the kernel measured it.
        public var nanosecondsPerRun: UInt32
    }

    public static func run(programFD: Int32, input: [UInt8], repeat count: UInt32 = 1) throws -> Result {
        var ret: UInt32 = 0, ns: UInt32 = 0
        let err = input.withUnsafeBytes { bpfman_prog_test_run(programFD, $0.baseAddress, UInt32($0.count), count, &ret, &ns) }
        if err < 0 { throw KernelError("BPF_PROG_TEST_RUN", errno: err) }
        return Result(returnValue: ret, nanosecondsPerRun: ns)
    }

    /// A minimal Ethernet + IPv4 + UDP frame, for XDP and TC test runs.
    public static let udpFrame: [UInt8] = {
        var f = [UInt8](repeating: 0, count: 64)
        f[12] = 0x08; f[13] = 0x00                  // EtherType IPv4
        f[14] = 0x45; f[17] = 50; f[22] = 64; f[23] = 17  // IHL 5, total length 50, TTL, UDP
        return f
    }()
}
