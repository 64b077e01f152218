import BpfKernel
import Logging

/// Attaches again the TCX programs whose record names a link pin that is not
/// there: a priority move cut short between detaching the old link and
/// pinning the new one. The move was never acknowledged, so the program goes
/// back where its record says (its old priority), placed among the peers
/// that are attached.
struct TcxLinkRepair {
    let store: ProgramStore
    let logger: Logger

    /// Repairs against `records`; returns true when it changed something.
    func run(records: [ProgramRecord]) throws -> Bool {
        let unlinked = records.filter { r in
            guard r.kind == .tcx, let pin = r.attachment.linkPin else { return false }
            return !Pins.exists(pin)
        }
        for record in unlinked {
            guard case .tcx(let info) = record.attach, let key = NetworkHookKey(record), let pin = record.attachment.linkPin else { continue }
            let attached = records.filter { r in r.id != record.id && r.kind == .tcx && r.attachment.linkPin.map(Pins.exists) == true }
            do {
                let program = try Pins.open(record.attachment.programPin)
                let placed = key.insert(priority: info.priority, peers: attached)
                try TcxHook.link(program, info, key: key, order: placed.order, pin: pin)
                var r = record
                r.attachment.position = placed.position
                for changed in placed.moved + [r] { try store.save(changed) }
                logger.warning("attached a TCX program again whose link a cut-short move had removed", metadata: [
                    "program": "\(record.id)", "iface": "\(info.iface)", "direction": "\(info.direction.rawValue)", "priority": "\(info.priority)"])
            } catch {
                logger.error("a TCX program lost its link and cannot be attached again; unload it or load it anew", metadata: [
                    "program": "\(record.id)", "iface": "\(info.iface)", "error": "\(error)"])
            }
        }
        return !unlinked.isEmpty
    }
}
