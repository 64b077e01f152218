@testable import Bpfman
import Foundation
import Testing

/// The freplace probe's answer is kept in the state directory for the rest of
/// the boot: a CLI run does not load and verify a dispatcher to ask again.
@Suite("FreplaceProbe: the answer kept for the boot and the dispatcher object")
struct FreplaceProbeMemoTests {
    final class Probes: @unchecked Sendable { var count = 0 }

    @Test("asked once per boot and dispatcher object: a second process reads the answer; a new boot id or a changed object asks again")
    func memo() throws {
        let base = NSTemporaryDirectory() + "freplace-memo-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/dispatchers", withIntermediateDirectories: true)
        let paths = BpfmanPaths(bpffsRoot: base + "/fs", stateDir: base + "/db", dispatcherDir: base + "/dispatchers")
        try Data("dispatcher v1".utf8).write(to: URL(fileURLWithPath: paths.xdpDispatcherObject))
        let boot = base + "/boot_id"
        try "11111111-2222\n".write(toFile: boot, atomically: true, encoding: .utf8)
        let probes = Probes()
        func ask(_ answer: FreplaceProbe.Outcome) -> FreplaceProbe.Outcome {
            FreplaceProbe.remembered(paths, bootIDPath: boot) { probes.count += 1; return answer }
        }

        #expect(ask(.refused("no extensions here\nsecond line")) == .refused("no extensions here\nsecond line"))
        #expect(probes.count == 1)
        #expect(ask(.supported) == .refused("no extensions here\nsecond line"), "the kept answer, not a new probe")
        #expect(probes.count == 1)

        try "33333333-4444\n".write(toFile: boot, atomically: true, encoding: .utf8)
        #expect(ask(.supported) == .supported, "a new boot asks again")
        #expect(probes.count == 2)
        #expect(ask(.refused("x")) == .supported)
        #expect(probes.count == 2)

        try Data("dispatcher v2, longer".utf8).write(to: URL(fileURLWithPath: paths.xdpDispatcherObject))
        #expect(ask(.refused("v2 refused")) == .refused("v2 refused"), "another dispatcher object asks again")
        #expect(probes.count == 3)

        // No boot id to key it by: nothing kept, every call probes.
        try FileManager.default.removeItem(atPath: boot)
        _ = ask(.supported)
        _ = ask(.supported)
        #expect(probes.count == 5)
    }
}
