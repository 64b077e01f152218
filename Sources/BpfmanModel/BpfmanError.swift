/// An error that reaches a person: what failed, on what, and what to do.
/// `kind` lets the gRPC layer pick a status code.
public struct BpfmanError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case invalidArgument
        case notFound
        case failedPrecondition
        case permissionDenied
        case alreadyExists
        case unavailable
        /// Content that does not match its digest.
        case dataLoss
        case `internal`
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func invalid(_ m: String) -> BpfmanError { BpfmanError(.invalidArgument, m) }
    public static func notFound(_ m: String) -> BpfmanError { BpfmanError(.notFound, m) }
}
