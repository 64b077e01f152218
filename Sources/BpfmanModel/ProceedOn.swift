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

/// A dispatcher program's proceed-on, typed by its hook from where it is
/// read (CLI names, a CRD's names, the wire's numbers) to where it is used.
public enum ProceedOn: Sendable, Equatable {
    case xdp([XdpAction])
    case tc([TcAction])

    /// bpfman.v1's `UpdateRequest.proceed_on` values.
    public var wireValues: [Int32] {
        switch self {
        case .xdp(let actions): actions.map(\.rawValue)
        case .tc(let actions): actions.map(\.rawValue)
        }
    }

    /// `--proceed-on` names for a program of `kind`.
    public static func parse(_ names: [String], for kind: ProgramKind) throws -> ProceedOn {
        switch kind {
        case .xdp: .xdp(try XdpAction.parse(names, hook: "xdp"))
        case .tc: .tc(try TcAction.parse(names, hook: "tc"))
        default: throw none(kind)
        }
    }

    /// Wire values for a program of `kind`, each checked.
    public static func wire(_ values: [Int32], for kind: ProgramKind) throws -> ProceedOn {
        func actions<A: RawRepresentable<Int32>>(_: A.Type) throws -> [A] {
            try values.map { v in
                guard let a = A(rawValue: v) else {
                    throw BpfmanError.invalid("UpdateRequest.proceed_on value \(v) is not valid for a \(kind.rawValue) program")
                }
                return a
            }
        }
        switch kind {
        case .xdp: return .xdp(try actions(XdpAction.self))
        case .tc: return .tc(try actions(TcAction.self))
        default: throw none(kind)
        }
    }

    /// Why a program of `kind` takes no proceed-on.
    public static func none(_ kind: ProgramKind) -> BpfmanError {
        kind == .tcx ? .invalid("TCX programs have no proceed-on: the kernel runs the next one on TCX_NEXT")
            : .invalid("a \(kind.rawValue) program has no proceed-on")
    }
}

/// Traffic direction for TC and TCX hooks.
public enum TcDirection: String, Codable, CaseIterable, Sendable {
    case ingress, egress
}

/// XDP attach mode.
public enum XdpMode: String, Codable, CaseIterable, Sendable {
    case skb, drv, hw
}
