import BpfKernel
import Bpfman
import Foundation
import Glibc

/// Observes the node for a volume and carries out `CSIPlan` steps. A step
/// that fails undoes the ones before it in reverse, so a refused Publish
/// leaves no mount, directory or pin behind.
struct CSIExecutor {
    /// Where each volume's bpffs is mounted: `<root>/<volume_id>`.
    let volumesRoot: String

    func volumeDirectory(_ volumeID: String) -> String { volumesRoot + "/" + volumeID }

    func observe(_ r: CSIVolumeRequest) -> CSIPlan.Observed {
        let mounts = Mounts.current()
        let dir = volumeDirectory(r.volumeID)
        let parent = String(r.targetPath[..<(r.targetPath.lastIndex(of: "/") ?? r.targetPath.startIndex)])
        return CSIPlan.Observed(target: Self.state(r.targetPath), targetParentExists: parent.isEmpty || Self.state(parent) == .directory,
                                targetMount: mounts.mount(at: r.targetPath),
                                volumeDirectory: Self.state(dir), volumeMount: mounts.mount(at: dir))
    }

    /// What is at `path`, without following a final symlink.
    static func state(_ path: String) -> CSIPlan.PathState {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        return st.st_mode & S_IFMT == S_IFDIR ? .directory : .other(FileKind.describe(st.st_mode))
    }

    /// The map names pinned in a program's map directory.
    static func maps(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    func run(_ steps: [CSIPlan.Step], volume r: CSIVolumeRequest) throws(BpfmanError) {
        var done: [CSIPlan.Step] = []
        for step in steps {
            do {
                try perform(step, r)
                done.append(step)
            } catch {
                for d in done.reversed() { undo(d, r) }
                throw error
            }
        }
    }

    private func perform(_ step: CSIPlan.Step, _ r: CSIVolumeRequest) throws(BpfmanError) {
        let dir = volumeDirectory(r.volumeID)
        do {
            switch step {
            case .unmountStaleVolume, .unmountVolume:
                try Mounts.unmount(dir)
            case .createVolumeDirectory:
                try FileManager.default.createDirectory(atPath: volumesRoot, withIntermediateDirectories: true)
                try Self.makeDirectory(dir)
            case .mountVolume(let source, let groupOnly):
                // With a group, only root and that group may enter.
                try Mounts.mountBpffs(source: source, at: dir, mode: groupOnly ? 0o750 : 0o755)
            case .setGroup(let path, let group):
                try Self.chown(path, group: group, mode: nil)
            case .pinMap(let from, let to, let group):
                let fd = try Pins.open(from)
                try fd.withRaw { try Pins.pin(fd: $0, at: to) }
                try Self.chown(to, group: group, mode: group == nil ? nil : 0o660)
            case .remountVolumeReadOnly:
                try Mounts.remountReadOnly(dir)
            case .createTarget:
                try Self.makeDirectory(r.targetPath)
            case .bindTarget(let readOnly):
                try Mounts.bind(dir, onto: r.targetPath, readOnly: readOnly)
            case .unmountTarget:
                // A crash between two binds could leave the volume stacked twice.
                let source = CSIPlan.source(volumeID: r.volumeID)
                repeat { try Mounts.unmount(r.targetPath) } while Mounts.current().mount(at: r.targetPath)?.source == source
            case .removeTarget:
                try Self.removeDirectory(r.targetPath)
            case .removeVolumeDirectory:
                try Self.removeDirectory(dir)
            }
        } catch let e as BpfmanError {
            throw e
        } catch let e as KernelError {
            throw BpfmanError(e.errno == ENOENT ? .notFound : .internal, "\(e)")
        } catch {
            throw BpfmanError(.internal, "\(error)")
        }
    }

    /// Best-effort reversal of a step that succeeded.
    private func undo(_ step: CSIPlan.Step, _ r: CSIVolumeRequest) {
        let dir = volumeDirectory(r.volumeID)
        switch step {
        case .mountVolume: try? Mounts.unmount(dir)
        case .createVolumeDirectory: rmdir(dir)
        case .pinMap(_, let to, _): unlink(to)
        case .createTarget: rmdir(r.targetPath)
        case .bindTarget: try? Mounts.unmount(r.targetPath)
        case .unmountStaleVolume, .setGroup, .remountVolumeReadOnly, .unmountTarget, .removeTarget,
             .unmountVolume, .removeVolumeDirectory:
            break
        }
    }

    /// One new directory (its parent must exist), so an undo removes exactly what was made.
    static func makeDirectory(_ path: String) throws(BpfmanError) {
        if mkdir(path, 0o750) != 0 {
            throw BpfmanError(.internal, "cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func removeDirectory(_ path: String) throws(BpfmanError) {
        if rmdir(path) != 0 && errno != ENOENT {
            throw BpfmanError(.failedPrecondition, "cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func chown(_ path: String, group: UInt32?, mode: mode_t?) throws(BpfmanError) {
        if let g = group, Glibc.chown(path, uid_t.max, g) != 0 {
            throw BpfmanError(.internal, "cannot give \(path) group \(g): \(String(cString: strerror(errno)))")
        }
        if let m = mode, chmod(path, m) != 0 {
            throw BpfmanError(.internal, "cannot chmod \(String(m, radix: 8)) \(path): \(String(cString: strerror(errno)))")
        }
    }
}
