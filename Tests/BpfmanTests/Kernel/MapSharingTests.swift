import BpfKernel
import Bpfman
import Foundation
import Testing

@Suite("Map sharing (host kernel)", .serialized, .enabled(if: Tier.kernel, "needs root on the host kernel"))
struct MapSharingTests {
    @Test("a second program uses the owner's maps; they live until the last user is unloaded")
    func shareAndRelease() throws {
        let box = try Sandbox()
        let veth = try VethPair()
        let obj = TestPaths.example("tc_counter")
        let owner = try box.load(obj, "stats", ["tc", "-d", "ingress", "-i", veth.host, "-p", "10"])
        let ownerID = owner.kernel.id
        let mapDir = box.paths.mapDirectory(ownerID)
        #expect(owner.record?.mapOwnerID == nil)
        #expect(owner.record?.mapPinPath == mapDir)
        #expect(owner.mapsUsedBy == [ownerID])
        let ownerMapID = try MapAccess.info(pin: "\(mapDir)/tc_stats_map").id

        let user = try box.load(obj, "stats", extra: ["--map-owner-id", "\(ownerID)"], ["tc", "-d", "egress", "-i", veth.host, "-p", "10"])
        #expect(user.record?.mapOwnerID == ownerID)
        #expect(user.record?.mapPinPath == mapDir)
        #expect(user.kernel.mapIDs.contains(ownerMapID), "user maps \(user.kernel.mapIDs) lack the owner's \(ownerMapID)")
        #expect(user.mapsUsedBy == [ownerID, user.kernel.id])
        #expect(try box.cliJSON(ProgramEntry.self, ["get", "\(ownerID)"]).mapsUsedBy == [ownerID, user.kernel.id])

        // Both count into the one map: ingress and egress packets add up.
        let before = try box.counter(owner, map: "tc_stats_map", key: 0)
        try veth.sendToHost(5)
        try veth.sendToPeer(5)
        #expect(try box.counter(owner, map: "tc_stats_map", key: 0) - before >= 10)

        #expect(try box.cli(["unload", "\(ownerID)"]).ok)
        #expect(Pins.exists("\(mapDir)/tc_stats_map"), "maps must outlive the owner while a user remains")
        let remaining = try box.cliJSON(ProgramEntry.self, ["get", "\(user.kernel.id)"])
        #expect(remaining.mapsUsedBy == [user.kernel.id])
        try veth.sendToPeer(3)
        #expect(try box.counter(owner, map: "tc_stats_map", key: 0) >= 3)

        #expect(try box.cli(["unload", "\(user.kernel.id)"]).ok)
        #expect(!Pins.exists(mapDir), "the last user's unload frees the maps")
        #expect(box.pins().isEmpty)
    }
}
