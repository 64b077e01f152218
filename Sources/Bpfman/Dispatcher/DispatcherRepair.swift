import BpfKernel
import FoundationEssentials
import Logging

/// Puts right what a crash left half done, before the next change (under the
/// store's lock, so nothing else is changing anything):
/// a dispatcher hook whose record, revision directories, links and program
/// records disagree is rebuilt from the program records into a fresh
/// revision, and every other revision is freed; with no programs left, the
/// hook is taken down. (Part of `StateRepair`.)
struct DispatcherRepair {
    let paths: BpfmanPaths
    let dispatchers: DispatcherStore
    let programs: ProgramStore
    let hookFor: (DispatcherConfig.Hook) -> DispatcherHook
    let logger: Logger

    /// Repairs everything; returns true when it changed something.
    @discardableResult
    func run() throws -> Bool {
        var changed = false
        for site in try dispatchers.records() {
            do {
                changed = try repair(site) || changed
            } catch {
                logger.error("cannot repair dispatcher", metadata: ["hook": "\(site.description)", "error": "\(error)"])
            }
        }
        return changed
    }

    /// Revision numbers with a directory on disk for the hook.
    static func revisionsOnDisk(_ site: DispatcherRecord, root: String) -> Set<UInt32> {
        let pins = site.pins(root)
        let dir = PlainText.deletingLastPathComponent(pins.revisionDir(0))
        let prefix = PlainText.lastPathComponent(pins.revisionDir(0)).dropLast(1)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return Set(names.compactMap { $0.hasPrefix(prefix) ? UInt32($0.dropFirst(prefix.count)) : nil })
    }

    /// Program ids with a link pinned in a revision's directory.
    static func linkedPrograms(_ site: DispatcherRecord, revision: UInt32, root: String) -> Set<UInt32> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: site.pins(root).revisionDir(revision))) ?? []
        return Set(names.compactMap { $0.hasPrefix("link_") ? UInt32($0.dropFirst(5)) : nil })
    }

    func isConsistent(_ site: DispatcherRecord, members: [ProgramRecord], onDisk: Set<UInt32>) -> Bool {
        guard site.pending == nil, let revision = site.revision else { return false }
        return onDisk == [revision]
            && Self.linkedPrograms(site, revision: revision, root: paths.bpffsRoot) == Set(members.map(\.id))
            && members.allSatisfy { $0.attachment.dispatcherRevision == revision }
    }

    private func repair(_ site: DispatcherRecord) throws -> Bool {
        let records = try programs.records()
        let members = site.members(of: records)
        let onDisk = Self.revisionsOnDisk(site, root: paths.bpffsRoot)
        if isConsistent(site, members: members, onDisk: onDisk) { return false }
        let known = onDisk.union([site.revision, site.pending].compactMap { $0 })
        let hook = hookFor(site.hook)
        logger.warning("repairing a dispatcher hook left inconsistent", metadata: [
            "hook": "\(site.description)", "revision": "\(site.revision.map(String.init) ?? "none")",
            "pending": "\(site.pending.map(String.init) ?? "none")", "on disk": "\(onDisk.sorted())", "programs": "\(members.map(\.id))",
        ])
        if members.isEmpty || site.netns.map({ !Pins.exists($0) }) == true {
            try hook.executor.teardown(site, revisions: known)
            return true
        }
        var from = site
        from.revision = known.max()
        let plan = try DispatcherPlan.plan(hook: site.hook, description: site.description, members: members.map(DispatcherHook.member),
                                           revision: from.revision, change: .rebuild)
        let now = try hook.executor.apply(plan, to: from, stale: known)
        for r in hook.updated(members, plan: plan, site: now) { try programs.save(r) }
        return true
    }
}
