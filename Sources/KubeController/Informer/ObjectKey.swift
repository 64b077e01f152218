/// Names one object: what a work queue holds and a reconciler gets.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String? = nil, name: String) {
        self.namespace = namespace?.isEmpty == true ? nil : namespace
        self.name = name
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }
}
