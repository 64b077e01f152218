/// A program return code a dispatcher can proceed on, known by name.
public protocol ProceedOnAction: CaseIterable, Sendable {
    var name: String { get }
}

extension ProceedOnAction {
    public init?(name: String) {
        guard let v = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = v
    }

    /// Parses `--proceed-on` values (each may be comma-separated).
    public static func parse(_ values: [String], hook: String) throws -> [Self] {
        try values.flatMap { $0.split(separator: ",").map(String.init) }.map { n in
            guard let a = Self(name: n) else {
                throw BpfmanError.invalid("invalid --proceed-on value \"\(n)\" for \(hook); use: \(allCases.map(\.name).joined(separator: ", "))")
            }
            return a
        }
    }
}

/// XDP return codes a dispatcher can proceed on (values from upstream's proto).
public enum XdpAction: Int32, Codable, ProceedOnAction {
    case aborted = 0, drop = 1, pass = 2, tx = 3, redirect = 4, dispatcherReturn = 31

    public var name: String {
        switch self {
        case .aborted: "aborted"
        case .drop: "drop"
        case .pass: "pass"
        case .tx: "tx"
        case .redirect: "redirect"
        case .dispatcherReturn: "dispatcher_return"
        }
    }

    public static let defaultProceedOn: [XdpAction] = [.pass, .dispatcherReturn]
}

/// TC return codes a dispatcher can proceed on (values from upstream's proto).
public enum TcAction: Int32, Codable, ProceedOnAction {
    case unspec = -1, ok = 0, reclassify = 1, shot = 2, pipe = 3, stolen = 4, queued = 5,
         `repeat` = 6, redirect = 7, trap = 8, dispatcherReturn = 30

    public var name: String {
        switch self {
        case .unspec: "unspec"
        case .ok: "ok"
        case .reclassify: "reclassify"
        case .shot: "shot"
        case .pipe: "pipe"
        case .stolen: "stolen"
        case .queued: "queued"
        case .repeat: "repeat"
        case .redirect: "redirect"
        case .trap: "trap"
        case .dispatcherReturn: "dispatcher_return"
        }
    }

    /// Upstream's code default (its help text also claims `ok`; the code does not).
    public static let defaultProceedOn: [TcAction] = [.pipe, .dispatcherReturn]

}

/// Traffic direction for TC and TCX hooks.
public enum TcDirection: String, Codable, CaseIterable, Sendable {
    case ingress, egress
}

/// XDP attach mode.
public enum XdpMode: String, Codable, CaseIterable, Sendable {
    case skb, drv, hw
}
