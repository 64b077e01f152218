import BpfKernel
@testable import Bpfman
import Foundation
import Testing

/// The dispatcher programs as the kernel runs them (no extension needed):
/// the configuration written into `.rodata` decides their verdicts.
@Suite("dispatcher programs", .serialized)
struct DispatcherProgramTests {
    @Test func configLayoutMatchesTheDispatchers() {
        #expect(DispatcherConfig.mask(XdpAction.defaultProceedOn) == 0x8000_0004)
        #expect(DispatcherConfig.mask(TcAction.defaultProceedOn) == 0x8000_0010)
        #expect(DispatcherConfig.mask([TcAction.unspec]) == 1 && DispatcherConfig.mask([TcAction.ok]) == 2)
        let x = DispatcherConfig(hook: .xdp, masks: [0x8000_0004, 0x2]).bytes
        #expect(x.count == 124 && x[0] == 236 && x[1] == 2 && x[2] == 2 && x[3] == 0)
        #expect(Array(x[4..<8]) == [4, 0, 0, 0x80] && Array(x[8..<12]) == [2, 0, 0, 0] && Array(x[12..<16]) == [0, 0, 0, 0])
        #expect(Array(x[44..<48]) == [50, 0, 0, 0] && Array(x[52..<56]) == [0, 0, 0, 0], "run_prios: 50 for enabled slots")
        let t = DispatcherConfig(hook: .tc, masks: [0x8000_0010]).bytes
        #expect(t.count == 84 && t[0] == 1 && Array(t[4..<8]) == [0x10, 0, 0, 0x80] && Array(t[44..<48]) == [50, 0, 0, 0])
    }

    /// Loads a dispatcher with a config and runs it on a UDP frame.
    func verdict(_ object: String, program: String, config: DispatcherConfig) throws -> UInt32 {
        let obj = try BpfObject(path: TestPaths.bpfDirectory + "/dispatchers/\(object).bpf.o")
        guard let g = try obj.global(named: config.symbol) else {
            Issue.record("\(config.symbol) not found in \(object)")
            return 0
        }
        #expect(g.size == config.bytes.count, "the object's \(config.symbol) is \(g.size) bytes")
        try g.setInitialValue(config.bytes)
        for p in obj.programs { p.setAutoload(p.name == program) }
        try obj.load()
        let fd = obj.program(named: program)!.fd
        return try TestRun.run(programFD: fd, input: TestRun.udpFrame).returnValue
    }

    @Test func xdpDispatcherFollowsItsConfig() throws {
        // No slots: pass.
        #expect(try verdict("xdp_dispatcher_v2", program: "xdp_dispatcher", config: .init(hook: .xdp, masks: [])) == 2)
        // One empty slot whose mask holds the stub's 31: skipped, then pass.
        #expect(try verdict("xdp_dispatcher_v2", program: "xdp_dispatcher", config: .init(hook: .xdp, masks: [1 << 31])) == 2)
        // A mask without bit 31 stops at the slot with the stub's own verdict: the config really is read.
        #expect(try verdict("xdp_dispatcher_v2", program: "xdp_dispatcher", config: .init(hook: .xdp, masks: [1 << 31, 0])) == 31)
    }

    @Test func tcDispatcherFollowsItsConfig() throws {
        #expect(try verdict("tc_dispatcher", program: "tc_dispatcher", config: .init(hook: .tc, masks: [])) == 0, "TC_ACT_OK")
        #expect(try verdict("tc_dispatcher", program: "tc_dispatcher", config: .init(hook: .tc, masks: [1 << 31])) == 0)
        #expect(try verdict("tc_dispatcher", program: "tc_dispatcher", config: .init(hook: .tc, masks: [1 << 31, 1 << 31, 0])) == 30)
    }
}

extension DispatcherProgramTests {
    /// The host kernel here refuses extension programs (DESIGN.md §4); the probe must say so, with the reason.
    @Test func freplaceProbeOnThisKernel() throws {
        let outcome = FreplaceProbe.probe(dispatcherObject: TestPaths.bpfDirectory + "/dispatchers/xdp_dispatcher_v2.bpf.o",
                                          extensionObject: TestPaths.testdata("plain_xdp.bpf.o"), extensionFunction: "plain_xdp")
        print("freplace probe on this kernel: \(outcome)")
        if case .refused(let why) = outcome {
            #expect(why.contains("refuses BPF extension (freplace) programs"), "\(why)")
        } else {
            print("this kernel accepts freplace (the VM tier checks the guest says so)")
        }
    }
}
