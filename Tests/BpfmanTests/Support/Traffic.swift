import BpfKernel
import Bpfman
import Foundation
import Glibc
import Synchronization

/// A UDP socket bound in a network namespace (nil: this one) that counts the
/// datagrams reaching it: the test's witness that packets got through.
final class UDPReceiver: @unchecked Sendable {
    private let fd: Int32
    private(set) var received = 0

    init(ip: String, port: UInt16 = 9999, netns: String? = nil) throws {
        fd = try NetworkNamespace.run(netns) { socket(AF_INET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0) }
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var size: Int32 = 16 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        var addr = UDPReceiver.address(ip, port)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    static func address(_ ip: String, _ port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, ip, &addr.sin_addr)
        return addr
    }

    /// Reads what has arrived, without waiting.
    @discardableResult
    func drain() -> Int {
        var buf = [UInt8](repeating: 0, count: 2048)
        while recv(fd, &buf, buf.count, 0) >= 0 { received += 1 }
        return received
    }

    /// Reads until nothing more arrives for `quiet`; the total so far.
    func settle(quiet: Double = 0.5) -> Int {
        var last = drain()
        var still = Date()
        while Date().timeIntervalSince(still) < quiet {
            usleep(20_000)
            if drain() != last { last = received; still = Date() }
        }
        return received
    }
}

/// A UDP socket made in a network namespace that sends test datagrams,
/// counted, either a burst at a time or steadily from a thread of its own.
final class UDPSender: @unchecked Sendable {
    private let fd: Int32
    private let sent = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    private var thread: Thread?

    init(to ip: String, port: UInt16 = 9999, netns: String? = nil) throws {
        fd = try NetworkNamespace.run(netns) { socket(AF_INET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0) }
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var addr = UDPReceiver.address(ip, port)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit { stop(); close(fd) }

    var count: Int { sent.load(ordering: .acquiring) }

    /// Sends `n` datagrams now; returns how many the kernel took.
    @discardableResult
    func send(_ n: Int) -> Int {
        let payload = Array("bpfman-test".utf8)
        var ok = 0
        for _ in 0..<n where Glibc.send(fd, payload, payload.count, 0) == payload.count {
            ok += 1
        }
        sent.add(ok, ordering: .releasing)
        return ok
    }

    /// Sends one datagram every `interval` seconds until `stop`.
    func start(interval: Double) {
        running.store(true, ordering: .releasing)
        let t = Thread { [self] in
            while running.load(ordering: .acquiring) {
                send(1)
                usleep(useconds_t(interval * 1_000_000))
            }
        }
        thread = t
        t.start()
    }

    /// Stops the sending thread and waits for it; the total sent.
    @discardableResult
    func stop() -> Int {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return count }
        usleep(100_000)
        return count
    }
}

/// The maps of `bpf/testdata/turns.bpf.c`: which program ran after which.
struct Turns {
    let directory: String

    init(_ owner: ProgramEntry) throws {
        guard let r = owner.record else { throw BpfmanError(.notFound, "no record for \(owner.kernel.id)") }
        directory = r.mapPinPath
    }

    /// Test packets on which program `b` ran right after program `a`.
    func pair(_ a: UInt32, _ b: UInt32) throws -> UInt64 {
        try MapAccess.lookupU64(pin: directory + "/turn_pairs", key: a * 16 + b)
    }

    /// Test packets program `tag` saw.
    func count(_ tag: UInt32) throws -> UInt64 {
        try MapAccess.lookupU64(pin: directory + "/turn_count", key: tag)
    }

    /// Every pair count, keyed "a>b", zeros left out.
    func pairs() throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for a in UInt32(0)..<16 {
            for b in UInt32(0)..<16 {
                let n = try pair(a, b)
                if n > 0 { out["\(a)>\(b)"] = n }
            }
        }
        return out
    }

    /// The little-endian hex the CLI's `-g NAME=HEX` takes.
    static func hex(_ v: Int32) -> String { withUnsafeBytes(of: v.littleEndian) { $0.map { String(format: "%02x", $0) }.joined() } }
    static func hex16(_ v: UInt16) -> String { withUnsafeBytes(of: v.littleEndian) { $0.map { String(format: "%02x", $0) }.joined() } }

    /// `-g` options for one copy: its tag, its verdict on test packets, and what it returns for others.
    static func globals(tag: UInt32, verdict: Int32, neutral: Int32) -> [String] {
        ["-g", "tag=\(hex(Int32(tag)))", "-g", "verdict=\(hex(verdict))", "-g", "neutral=\(hex(neutral))"]
    }

    /// The same as load-request global data.
    static func globalData(tag: UInt32, verdict: Int32, neutral: Int32) -> [String: [UInt8]] {
        func le(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        return ["tag": le(Int32(tag)), "verdict": le(verdict), "neutral": le(neutral)]
    }
}
