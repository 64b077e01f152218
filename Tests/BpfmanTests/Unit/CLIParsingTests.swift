@testable import BpfmanCLI
import Bpfman
import Testing

@Suite("CLI parsing and tables")
struct CLIParsingTests {
    @Test("the type name is found past option values, including several globals")
    func typeIndex() {
        #expect(LoadArguments.typeIndex(["-p", "x.o", "-n", "xdp", "xdp", "-i", "eth0"]) == 4)
        #expect(LoadArguments.typeIndex(["-p", "x.o", "-g", "A=01", "B=02", "tc", "-d", "ingress"]) == 5)
        #expect(LoadArguments.typeIndex(["--path", "x.o", "--name", "n", "-m", "k=v", "--map-owner-id", "3", "tracepoint"]) == 8)
        #expect(LoadArguments.typeIndex(["-p", "x.o", "-n", "n"]) == nil)
    }

    @Test("tables: one-space padding, aligned values, continuation rows, blank line after")
    func table() {
        let t = Render.table("Kernel State", [("Program ID:", "42"), ("Map IDs:", "[1, 2]"), ("Kernel Allocated Memory (bytes):", "4096"), ("", "more")])
        let lines = t.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == " Kernel State")
        #expect(lines[1] == " Program ID:                       42")
        #expect(lines[3] == " Kernel Allocated Memory (bytes):  4096")
        #expect(lines[4] == "                                   more")
        #expect(t.hasSuffix("\n\n"))
    }

    @Test("load options parse as upstream's: -p is --path before the type and --priority after")
    func loadOptions() throws {
        let common = try LoadFileOptions.parse(["-p", "/x.o", "-n", "f", "-g", "A=01", "B=0203", "-m", "k=v,j=w"])
        let attach = try XdpOptions.parse(["-i", "veth0", "-p", "42", "--proceed-on", "drop", "pass"]).attach()
        let r = try common.request(attach: attach)
        #expect(r.bytecode == .file(path: "/x.o"))
        #expect(r.globalData == ["A": [1], "B": [2, 3]])
        #expect(r.metadata == ["k": "v", "j": "w"])
        #expect(r.attach == .xdp(.init(iface: "veth0", priority: 42, proceedOn: [.drop, .pass])))
        let tc = try TcOptions.parse(["-d", "egress", "-i", "e", "-p", "1"]).attach()
        #expect(tc == .tc(.init(iface: "e", priority: 1, direction: .egress, proceedOn: [.pipe, .dispatcherReturn])))
    }
}
