import BpfKernel
import FoundationEssentials
import Logging

/// The repair pass: puts right what a crash (or a damaged file) left, at
/// start-up and before every change, under the store's lock, so nothing else
/// is changing anything. In order:
/// 1. unreadable program records are set aside (`<state>/quarantine`), so
///    they stop blocking every other program;
/// 2. dispatcher hooks are made consistent with the records (`DispatcherRepair`);
/// 3. claimed tc filters no record accounts for are removed (`TcFilterRepair`);
/// 4. TC programs whose move was cut short after the old filter went get a
///    filter again (`TcFilterRestore`), and TCX programs whose move was cut
///    short get their link back (`TcxLinkRepair`);
/// 5. the clsact qdiscs bpfman made that hold no filter now are removed (`ClsactQdiscs`);
/// 6. temporary files of writes cut short are removed;
/// 7. pins of programs with no record are removed, with maps nobody's record
///    uses; the kernel frees a program when its last pin, link and filter go.
struct StateRepair {
    let paths: BpfmanPaths
    let store: ProgramStore
    let dispatchers: DispatcherStore
    let claims: ClaimStore
    let hookFor: (DispatcherConfig.Hook) -> DispatcherHook
    let logger: Logger

    /// Repairs everything; returns true when it changed something.
    @discardableResult
    func run() throws -> Bool {
        let setAside = try store.quarantineUnreadable()
        for bad in setAside {
            logger.error("set aside an unreadable program record; what it described is removed from the kernel", metadata: [
                "file": "\(bad.file)", "moved to": "\(bad.movedTo ?? "-")", "reason": "\(bad.reason)"])
        }
        var changed = !setAside.isEmpty
        changed = try DispatcherRepair(paths: paths, dispatchers: dispatchers, programs: store, hookFor: hookFor, logger: logger).run() || changed
        // Read once after the dispatcher pass (which may rewrite records, never add or drop one;
        // neither does the TCX pass, so the sweep can use them too).
        let records = try store.records()
        changed = try TcFilterRepair(claims: claims, logger: logger).run(records: records) || changed
        let qdiscs = ClsactQdiscs(stateDirectory: paths.stateDir)
        changed = try TcFilterRestore(claims: claims, qdiscs: qdiscs, logger: logger).run(records: records) || changed
        changed = try TcxLinkRepair(store: store, logger: logger).run(records: records) || changed
        changed = qdiscs.releaseUnused(logger: logger) || changed
        let leftovers = [store.programsDirectory, claims.directory, dispatchers.directory, qdiscs.directory].flatMap(AtomicFile.removeLeftovers)
        if !leftovers.isEmpty {
            logger.info("removed the temporary files of writes cut short", metadata: ["files": "\(leftovers)"])
        }
        return try sweepPins(records) || changed
    }

    /// Removes `prog_<id>` and `prog_<id>_link` pins and map directories that no record accounts for.
    private func sweepPins(_ records: [ProgramRecord]) throws -> Bool {
        let ids = Set(records.map(\.id))
        let groups = Set(records.map(\.mapGroup))
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: paths.bpffsRoot)) ?? [] where name.hasPrefix("prog_") {
            let digits = name.dropFirst(5).prefix { $0.isNumber }
            let rest = name.dropFirst(5 + digits.count)
            guard let id = UInt32(digits), rest.isEmpty || rest == "_link", !ids.contains(id) else { continue }
            if rest == "_link" {
                try NetworkLinks.detachLink(pin: "\(paths.bpffsRoot)/\(name)")
            } else {
                try Pins.remove("\(paths.bpffsRoot)/\(name)")
            }
            removed.append(name)
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: paths.mapsRoot)) ?? [] {
            guard let owner = UInt32(name), !groups.contains(owner) else { continue }
            try Pins.removeDirectory(paths.mapDirectory(owner))
            removed.append("maps/\(name)")
        }
        if !removed.isEmpty { logger.warning("removed pins no record accounts for", metadata: ["pins": "\(removed)"]) }
        return !removed.isEmpty
    }
}
