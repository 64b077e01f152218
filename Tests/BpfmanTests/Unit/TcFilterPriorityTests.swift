@testable import Bpfman
import Testing

/// Without the dispatcher each TC program is a tc filter; tc priorities start
/// at 1, bpfman's at 0, so a program's filter sits at its priority + 1.
@Suite("TC filter priority")
struct TcFilterPriorityTests {
    @Test("bpfman's 0…1000 go onto tc's 1…1001 in the same order; what tc cannot hold is refused naming the range")
    func mapping() throws {
        #expect(try TcHook.filterPriority(0) == 1)
        #expect(try TcHook.filterPriority(50) == 51)
        #expect(try TcHook.filterPriority(1000) == 1001)
        let prefs = try (0...1000).map { try TcHook.filterPriority(Int32($0)) }
        #expect(prefs == prefs.sorted() && Set(prefs).count == prefs.count, "order kept, no two priorities share a filter priority")
        for bad: Int32 in [-1, 65535] {
            #expect { try TcHook.filterPriority(bad) } throws: { ($0 as? BpfmanError)?.message.contains("0 to 65534") == true }
        }
    }
}
