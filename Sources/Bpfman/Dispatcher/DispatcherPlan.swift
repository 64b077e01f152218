/// The decisions of a dispatcher change, without I/O (DESIGN §3.1): given the
/// programs on one hook and a change, which programs sit in which slot, the
/// next revision, its configuration, and the steps an executor carries out
/// (build the new revision, re-link every member, swap, free the old one).
public struct DispatcherPlan: Sendable, Equatable {
    /// A program on the hook, as the plan sees it.
    public struct Member: Sendable, Equatable {
        public var programID: UInt32
        public var priority: Int32
        public var mask: UInt32

        public init(programID: UInt32, priority: Int32, mask: UInt32) {
            self.programID = programID
            self.priority = priority
            self.mask = mask
        }
    }

    /// What changes on the hook.
    public enum Change: Sendable, Equatable {
        case add(Member)
        case remove(programID: UInt32)
        /// In-place: the same program with a new priority and/or mask.
        case update(Member)
        /// The same programs in a fresh revision (repair after a crash).
        case rebuild
    }

    /// One step for the executor, in order.
    public enum Step: Sendable, Equatable {
        case loadDispatcher(revision: UInt32, config: DispatcherConfig)
        case linkExtension(programID: UInt32, slot: Int)
        /// XDP: bpf_link_update of the one interface link (or create it); TC: a new filter, then the old one goes.
        case attachDispatcher(revision: UInt32)
        case freeRevision(UInt32)
        /// The last program left: take the dispatcher off the hook entirely.
        case detachDispatcher
    }

    public var hook: DispatcherConfig.Hook
    /// Members in slot order after the change.
    public var slots: [Member]
    public var revision: UInt32?
    public var steps: [Step]

    public enum PlanError: Error, Equatable, CustomStringConvertible {
        case full(hookDescription: String)
        case notOnHook(programID: UInt32, hookDescription: String)
        case badPriority(Int32)

        public var description: String {
            switch self {
            case .full(let h): "\(h) already runs \(DispatcherConfig.maxPrograms) programs, the most a dispatcher has slots for; nothing was changed"
            case .notOnHook(let id, let h): "program \(id) is not on \(h); nothing was changed"
            case .badPriority(let p): "priority \(p) is out of range: use 0 to 1000"
            }
        }
    }

    /// Slot order: priority ascending, then load order (program ids grow with
    /// each load), so equal priorities always come out the same way — across
    /// runs and restarts — unlike upstream's (bpfman#678).
    public static func order(_ members: [Member]) -> [Member] {
        members.sorted { ($0.priority, $0.programID) < ($1.priority, $1.programID) }
    }

    /// Plans `change` on a hook whose members and current revision are given.
    public static func plan(hook: DispatcherConfig.Hook, description: String, members: [Member], revision: UInt32?,
                            change: Change) throws -> DispatcherPlan
    {
        var next = members
        switch change {
        case .add(let m):
            guard (0...1000).contains(m.priority) else { throw PlanError.badPriority(m.priority) }
            guard members.count < DispatcherConfig.maxPrograms else { throw PlanError.full(hookDescription: description) }
            next.append(m)
        case .remove(let id):
            guard members.contains(where: { $0.programID == id }) else { throw PlanError.notOnHook(programID: id, hookDescription: description) }
            next.removeAll { $0.programID == id }
        case .update(let m):
            guard (0...1000).contains(m.priority) else { throw PlanError.badPriority(m.priority) }
            guard let i = members.firstIndex(where: { $0.programID == m.programID }) else {
                throw PlanError.notOnHook(programID: m.programID, hookDescription: description)
            }
            next[i] = m
        case .rebuild:
            break
        }
        let slots = order(next)
        if slots.isEmpty {
            var steps: [Step] = [.detachDispatcher]
            if let revision { steps.append(.freeRevision(revision)) }
            return DispatcherPlan(hook: hook, slots: [], revision: nil, steps: steps)
        }
        let rev = Self.next(after: revision)
        var steps: [Step] = [.loadDispatcher(revision: rev, config: DispatcherConfig(hook: hook, masks: slots.map(\.mask)))]
        steps += slots.enumerated().map { .linkExtension(programID: $1.programID, slot: $0) }
        steps.append(.attachDispatcher(revision: rev))
        if let revision { steps.append(.freeRevision(revision)) }
        return DispatcherPlan(hook: hook, slots: slots, revision: rev, steps: steps)
    }

    /// The revision after `revision`: u32, wrapping past 0, which is never
    /// used (a TC dispatcher's filter handle is its revision, and handle 0
    /// means "let the kernel choose").
    public static func next(after revision: UInt32?) -> UInt32 {
        let n = (revision ?? 0) &+ 1
        return n == 0 ? 1 : n
    }

    /// Position of each program after the change.
    public var positions: [UInt32: Int] {
        Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($1.programID, $0) })
    }
}

/// The pin layout of dispatchers under the bpffs root (bpfman-core §3.7).
public struct DispatcherPins: Sendable, Equatable {
    public var root: String
    public var hook: DispatcherConfig.Hook
    public var direction: TcDirection?
    public var netnsInode: UInt64
    public var ifindex: UInt32

    public init(root: String, hook: DispatcherConfig.Hook, direction: TcDirection? = nil, netnsInode: UInt64, ifindex: UInt32) {
        self.root = root; self.hook = hook; self.direction = direction; self.netnsInode = netnsInode; self.ifindex = ifindex
    }

    var hookDir: String {
        switch hook {
        case .xdp: "\(root)/xdp"
        case .tc: "\(root)/tc-\((direction ?? .ingress).rawValue)"
        }
    }

    /// XDP only: the one bpf_link on the interface, updated in place on each swap.
    public var interfaceLink: String { "\(hookDir)/dispatcher_\(netnsInode)_\(ifindex)_link" }

    public func revisionDir(_ revision: UInt32) -> String { "\(hookDir)/dispatcher_\(netnsInode)_\(ifindex)_\(revision)" }

    public func extensionLink(revision: UInt32, programID: UInt32) -> String { "\(revisionDir(revision))/link_\(programID)" }
}
