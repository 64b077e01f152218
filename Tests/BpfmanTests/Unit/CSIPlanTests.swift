import BpfKernel
import Bpfman
@testable import BpfmanRPC
import Testing

/// The CSI plugin's pure parts: request checks, the publish and unpublish
/// plans from observed node state, the program choice, the mount table.
@Suite("CSI plan")
struct CSIPlanTests {
    static let context = ["csi.bpfman.io/program": "go-xdp-counter-example", "csi.bpfman.io/maps": "xdp_stats_map, other_map,xdp_stats_map"]

    func publish(volume: String = "csi-0123abcd", target: String = "/var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/maps/mount",
                 context: [String: String] = CSIPlanTests.context, capability: CSIVolumeRequest.Capability? = .mount(group: ""),
                 readOnly: Bool = false) throws(BpfmanError) -> CSIVolumeRequest.Publish {
        try CSIVolumeRequest.Publish(volumeID: volume, targetPath: target, context: context, capability: capability, readOnly: readOnly)
    }

    /// The refusal a call makes (nil when it accepts).
    func refusal(_ body: () throws -> Void) -> BpfmanError? {
        do { try body(); return nil } catch { return error as? BpfmanError ?? BpfmanError(.internal, "not a BpfmanError: \(error)") }
    }

    @Test func aGoodRequestIsReadAsKubeletSendsIt() throws {
        let r = try publish(capability: .mount(group: "65534"), readOnly: true)
        #expect(r.program == "go-xdp-counter-example")
        #expect(r.maps == ["xdp_stats_map", "other_map"], "trimmed, in order, no repeats")
        #expect(r.group == 65534 && r.readOnly)
        #expect(try publish(target: "/a/b/").volume.targetPath == "/a/b")
        #expect(try publish().group == nil)
    }

    @Test("every bad field is named, with its code", arguments: [
        (["csi.bpfman.io/maps": "m"], BpfmanError.Kind.invalidArgument, "volume_context[\"csi.bpfman.io/program\"] is required"),
        (["csi.bpfman.io/program": " ", "csi.bpfman.io/maps": "m"], .invalidArgument, "volume_context[\"csi.bpfman.io/program\"] is required"),
        (["csi.bpfman.io/program": "p"], .invalidArgument, "volume_context[\"csi.bpfman.io/maps\"] is required"),
        (["csi.bpfman.io/program": "p", "csi.bpfman.io/maps": " , "], .invalidArgument, "volume_context[\"csi.bpfman.io/maps\"] is required"),
        (["csi.bpfman.io/program": "p", "csi.bpfman.io/maps": "a/b"], .invalidArgument, "map name \"a/b\" must not contain '/' or '..'"),
        (["csi.bpfman.io/program": "p", "csi.bpfman.io/maps": ".."], .invalidArgument, "map name \"..\" must not contain"),
        (["csi.bpfman.io/program": "p", "csi.bpfman.io/maps": "a b"], .invalidArgument, "may hold only letters"),
        (["csi.bpfman.io/program": "Bad_Name", "csi.bpfman.io/maps": "m"], .invalidArgument, "\"Bad_Name\" is not a Kubernetes object name"),
    ])
    func badContext(context: [String: String], kind: BpfmanError.Kind, message: String) {
        let e = refusal { _ = try publish(context: context) }
        #expect(e?.kind == kind)
        #expect(e?.message.contains(message) == true, "\(e?.message ?? "accepted")")
    }

    @Test("volume ids and targets that could leave the plugin's directories", arguments: [
        ("", "/t", "volume_id is required"),
        ("a/b", "/t", "volume_id \"a/b\" must not contain '/' or '..'"),
        ("..", "/t", "volume_id \"..\" must not contain"),
        ("x..y", "/t", "must not contain '/' or '..'"),
        (".", "/t", "volume_id \".\" is not a name"),
        ("v\n", "/t", "may hold only letters"),
        ("v", "", "target_path is required"),
        ("v", "relative/dir", "target_path \"relative/dir\" is not an absolute path"),
        ("v", "/a/../etc", "must not contain '.' or '..' components"),
        ("v", "/a/./b", "must not contain '.' or '..' components"),
        ("v", "/", "is the root directory"),
        ("v", "/a\u{1}b", "control character"),
    ])
    func badPaths(volume: String, target: String, message: String) {
        let e = refusal { _ = try CSIVolumeRequest(volumeID: volume, targetPath: target) }
        #expect(e?.kind == .invalidArgument)
        #expect(e?.message.contains(message) == true, "\(e?.message ?? "accepted")")
    }

    @Test func capabilities() {
        #expect(refusal { _ = try publish(capability: nil) }?.message == "volume_capability is required")
        #expect(refusal { _ = try publish(capability: .block) }?.message.contains("volume_capability.block is not supported") == true)
        #expect(refusal { _ = try publish(capability: .mount(group: "staff")) }?.message
            == "volume_capability.mount.volume_mount_group \"staff\" is not a numeric group id")
    }

    // MARK: observed state → decisions

    func observed(target: CSIPlan.PathState = .missing, parent: Bool = true, targetMount: MountTable.Entry? = nil,
                  volumeDirectory: CSIPlan.PathState = .missing, volumeMount: MountTable.Entry? = nil) -> CSIPlan.Observed {
        .init(target: target, targetParentExists: parent, targetMount: targetMount, volumeDirectory: volumeDirectory, volumeMount: volumeMount)
    }

    func bpffs(_ at: String, source: String, ro: Bool = false) -> MountTable.Entry {
        .init(mountPoint: at, fsType: "bpf", source: source, mountOptions: [ro ? "ro" : "rw", "nosuid"], superOptions: [ro ? "ro" : "rw"])
    }

    let owner = CSIPlan.Candidate(id: 40, mapPinPath: "/run/bpfman/fs/maps/40", mapGroup: 40)

    @Test func publishStepsInOrder() throws {
        let r = try publish(capability: .mount(group: "2000"), readOnly: true)
        let d = try CSIPlan.publish(r, observed(), program: owner, available: ["other_map", "xdp_stats_map"], volumeDirectory: "/v/csi-0123abcd")
        #expect(d == [
            .createVolumeDirectory, .mountVolume(source: "bpfman-csi:csi-0123abcd", groupOnly: true),
            .setGroup(path: "/v/csi-0123abcd", group: 2000),
            .pinMap(from: "/run/bpfman/fs/maps/40/xdp_stats_map", to: "/v/csi-0123abcd/xdp_stats_map", group: 2000),
            .pinMap(from: "/run/bpfman/fs/maps/40/other_map", to: "/v/csi-0123abcd/other_map", group: 2000),
            .remountVolumeReadOnly, .createTarget, .bindTarget(readOnly: true),
        ])
        // A directory the CO made already is used as it is; no group, no read-only remount.
        let steps = try CSIPlan.publish(try publish(), observed(target: .directory, volumeDirectory: .directory,
                                                             volumeMount: bpffs("/v/csi-0123abcd", source: "bpfman-csi:csi-0123abcd")),
                                     program: owner, available: ["other_map", "xdp_stats_map"], volumeDirectory: "/v/csi-0123abcd")
        #expect(steps.first == .unmountStaleVolume, "a bpffs an interrupted try left is replaced")
        #expect(!steps.contains(.createVolumeDirectory) && !steps.contains(.createTarget) && !steps.contains(.remountVolumeReadOnly))
        #expect(steps.last == .bindTarget(readOnly: false))
    }

    @Test func aMissingMapIsNamedWithTheOnesThereAre() throws {
        let e = refusal { _ = try CSIPlan.publish(try publish(), observed(), program: owner, available: ["xdp_stats_map", "a_map"], volumeDirectory: "/v/x") }
        #expect(e?.kind == .notFound)
        #expect(e?.message == "volume_context[\"csi.bpfman.io/maps\"]: program go-xdp-counter-example (id 40) has no map named other_map; its maps: a_map, xdp_stats_map")
    }

    @Test func publishIsIdempotentAndRefusesWhatConflicts() throws {
        let t = "/var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/maps/mount"
        let same = bpffs(t, source: "bpfman-csi:csi-0123abcd", ro: true)
        #expect(try CSIPlan.checkTarget(try publish(readOnly: true), observed(target: .directory, targetMount: same)))
        #expect(try !CSIPlan.checkTarget(try publish(), observed(target: .directory)))
        #expect(try !CSIPlan.checkTarget(try publish(), observed()))
        let cases: [(CSIPlan.Observed, Bool, BpfmanError.Kind, String)] = [
            (observed(target: .directory, targetMount: same), false, .alreadyExists, "already published at \(t) read-only, not read-write as asked"),
            (observed(target: .directory, targetMount: bpffs(t, source: "bpfman-csi:csi-other")), false, .alreadyExists, "already holds volume csi-other, not csi-0123abcd"),
            (observed(target: .directory, targetMount: .init(mountPoint: t, fsType: "tmpfs", source: "tmpfs", mountOptions: ["rw"], superOptions: [])),
             false, .alreadyExists, "is already a mount of tmpfs tmpfs"),
            (observed(target: .other("a regular file")), false, .invalidArgument, "target_path \(t) is a regular file, not a directory"),
            (observed(parent: false), false, .failedPrecondition, "its parent directory does not exist"),
        ]
        for (o, ro, kind, message) in cases {
            let e = refusal { _ = try CSIPlan.checkTarget(try publish(readOnly: ro), o) }
            #expect(e?.kind == kind && e?.message.contains(message) == true, "\(e?.message ?? "accepted")")
        }
    }

    @Test func programChoice() throws {
        let e = refusal { _ = try CSIPlan.choose(program: "p", candidates: [], node: "node-a") }
        #expect(e?.kind == .unavailable, "not loaded yet is worth retrying")
        #expect(e?.message.contains("no program named p is loaded on node node-a yet; waiting for bpfman-agent") == true)
        // Attach points sharing maps through their owner publish the owner's maps.
        let shared = [CSIPlan.Candidate(id: 52, mapPinPath: "/m/40", mapGroup: 40), owner, .init(id: 47, mapPinPath: "/m/40", mapGroup: 40)]
        #expect(try CSIPlan.choose(program: "p", candidates: shared, node: "n") == owner)
        // Separate maps per attach point: always the longest-loaded one's.
        let separate = [CSIPlan.Candidate(id: 61, mapPinPath: "/m/61", mapGroup: 61), .init(id: 58, mapPinPath: "/m/58", mapGroup: 58)]
        #expect(try CSIPlan.choose(program: "p", candidates: separate, node: "n").id == 58)
        #expect(try CSIPlan.choose(program: "p", candidates: separate.reversed(), node: "n").id == 58)
    }

    @Test func unpublishUndoesWhatIsThereAndNothingElse() throws {
        let r = try CSIVolumeRequest(volumeID: "csi-1", targetPath: "/t/mount")
        let ours = bpffs("/t/mount", source: "bpfman-csi:csi-1")
        #expect(try CSIPlan.unpublish(r, observed(target: .directory, targetMount: ours, volumeDirectory: .directory,
                                                  volumeMount: bpffs("/v/csi-1", source: "bpfman-csi:csi-1")))
            == [.unmountTarget, .removeTarget, .unmountVolume, .removeVolumeDirectory])
        // After a restart of the plugin's container: the per-volume mount went with it.
        #expect(try CSIPlan.unpublish(r, observed(target: .directory, targetMount: ours, volumeDirectory: .directory))
            == [.unmountTarget, .removeTarget, .removeVolumeDirectory])
        #expect(try CSIPlan.unpublish(r, observed()) == [], "nothing there: success, nothing done")
        let other = refusal { _ = try CSIPlan.unpublish(r, observed(target: .directory, targetMount: bpffs("/t/mount", source: "bpfman-csi:csi-2"))) }
        #expect(other?.kind == .failedPrecondition && other?.message == "target_path /t/mount holds volume csi-2, not volume csi-1; left as it is")
        let file = refusal { _ = try CSIPlan.unpublish(r, observed(target: .other("a regular file"))) }
        #expect(file?.kind == .failedPrecondition)
    }

    @Test func mountTableReadsTheKernelsFormat() {
        let text = """
            22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
            47 27 0:41 / /run/bpfman/csi/fs/csi-1 ro,nosuid,nodev,noexec,relatime - bpf bpfman-csi:csi-1 ro,gid=1234,mode=750
            48 27 0:41 / /var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/my\\040maps/mount rw,relatime shared:7 master:2 - bpf bpfman-csi:csi-1 ro,gid=1234
            49 48 0:42 / /var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/my\\040maps/mount rw - tmpfs tmpfs rw
            garbage line
            """
        let t = MountTable(mountinfo: text)
        #expect(t.entries.count == 4)
        let volume = t.mount(at: "/run/bpfman/csi/fs/csi-1")
        #expect(volume?.source == "bpfman-csi:csi-1" && volume?.fsType == "bpf" && volume?.readOnly == true)
        let top = t.mount(at: "/var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/my maps/mount")
        #expect(top?.fsType == "tmpfs", "the topmost of two stacked mounts, escapes decoded")
        #expect(t.entries[2].readOnly, "read-only at the superblock, though the mount says rw")
        #expect(t.mount(at: "/nowhere") == nil)
    }
}
