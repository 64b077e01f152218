import BpfKernel
import Bpfman
import Foundation
import Testing

@Suite("Program store")
struct ProgramStoreTests {
    static func record(_ id: UInt32) -> ProgramRecord {
        ProgramRecord(
            id: id, name: "p\(id)", location: .file(path: "/x.o"),
            attach: .tcx(.init(iface: "eth0", priority: 3, direction: .egress, netns: "/var/run/netns/a")),
            globalData: ["G": [1, 2]], metadata: ["k": "v"], mapOwnerID: nil, mapPinPath: "/m/\(id)",
            attachment: Attachment(programPin: "/fs/prog_\(id)"),
            kernelInfo: ProgramKernelInfo(id: id, name: "p", programType: 3, loadedAt: Date(timeIntervalSince1970: 1_700_000_000),
                                          tag: "00", gplCompatible: true, mapIDs: [1], btfID: 2, bytesXlated: 3, jited: true,
                                          bytesJited: 4, bytesMemlock: 5, verifiedInsns: 6))
    }

    @Test("records round-trip, list in id order, delete, and leave no temporary files")
    func roundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ProgramStore(directory: dir)
        try store.withLock {
            for id in [30, 4, 12] as [UInt32] { try store.save(Self.record(id)) }
        }
        #expect(try store.records().map(\.id) == [4, 12, 30])
        #expect(try store.record(12) == Self.record(12))
        #expect(try store.record(13) == nil)
        try store.delete(12)
        try store.delete(12)
        #expect(try store.records().map(\.id) == [4, 30])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/programs").sorted()
        #expect(files == ["30.json", "4.json"])
    }

    /// Reads reuse what they decoded while a file holds the same bytes; another writer (the CLI,
    /// another process) changing a record, even in place and to the same size, is seen at once.
    @Test("decoded records are reused only while their file is unchanged")
    func decodeCache() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ProgramStore(directory: dir), other = ProgramStore(directory: dir)
        try store.withLock { for id in [4, 5] as [UInt32] { try store.save(Self.record(id)) } }
        #expect(try store.records().map(\.metadata) == [["k": "v"], ["k": "v"]])
        var changed = Self.record(4)
        changed.metadata = ["k": "w"]
        try other.withLock { try other.save(changed) }
        #expect(try store.record(4)?.metadata == ["k": "w"], "replaced by another writer")
        // Rewritten in place: same inode, same size, other bytes.
        let path = dir + "/programs/4.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let edited = text.replacingOccurrences(of: #""w""#, with: #""x""#)
        #expect(edited != text && edited.utf8.count == text.utf8.count)
        try handle.write(contentsOf: Data(edited.utf8))
        try handle.close()
        #expect(try store.records().first { $0.id == 4 }?.metadata == ["k": "x"])
        try other.delete(5)
        #expect(try store.records().map(\.id) == [4])
    }

    @Test("an unreadable record is named with its path and set aside; the others stay readable")
    func corrupt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ProgramStore(directory: dir)
        try store.withLock { try store.save(Self.record(4)) }
        try "{".write(toFile: dir + "/programs/9.json", atomically: true, encoding: .utf8)
        #expect(try store.records().map(\.id) == [4])
        #expect(store.corrupt().map(\.file) == [dir + "/programs/9.json"])
        #expect(store.corrupt().first?.programID == 9)
        #expect {
            _ = try store.record(9)
        } throws: { ($0 as? BpfmanError)?.message.contains("/programs/9.json is unreadable") == true }

        let moved = try store.quarantineUnreadable()
        #expect(moved.count == 1)
        let target = try #require(moved.first?.movedTo)
        #expect(target.hasPrefix(dir + "/quarantine/"))
        #expect(FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: dir + "/programs/9.json"))
        #expect(try store.record(9) == nil)
        // Set aside, it is still reported, with where it went and why.
        let listed = store.corrupt()
        #expect(listed.count == 1)
        #expect(listed.first?.movedTo == target)
        #expect(listed.first?.programID == 9)
        #expect(listed.first?.reason.isEmpty == false)
        #expect(try store.records().map(\.id) == [4])
    }

    @Test("a record that is a FIFO or a symlink is refused at once, not waited on or followed")
    func hostileFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ProgramStore(directory: dir)
        try store.withLock { try store.save(Self.record(4)) }
        #expect(mkfifo(dir + "/programs/7.json", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/programs/8.json", withDestinationPath: dir + "/programs/4.json")
        #expect(try store.records().map(\.id) == [4])
        #expect(Set(store.corrupt().compactMap(\.programID)) == [7, 8])
        #expect(throws: BpfmanError.self) { _ = try store.record(7) }
    }

    @Test("the lock excludes a second holder until the first lets go")
    func lockExcludes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ProgramStore(directory: dir)
        let log = EventLog()
        let first = Task.detached {
            try store.withLock {
                log.add("first in")
                usleep(300_000)
                log.add("first out")
            }
        }
        usleep(100_000)
        try store.withLock { log.add("second in") }
        try await first.value
        #expect(log.events == ["first in", "first out", "second in"])
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var events: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
