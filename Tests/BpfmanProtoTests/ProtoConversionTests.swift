import BpfmanModel
import BpfmanProto
import Foundation
import Testing

/// bpfman.v1 on the wire and the model: what a client sends is what the
/// server reads, for every attach kind; what a server lists reads back as the
/// request it was loaded with; bad wire values are refused naming the field.
@Suite("bpfman.v1 conversion")
struct ProtoConversionTests {
    static let attaches: [AttachInfo] = [
        .xdp(.init(iface: "eth0", priority: 35, proceedOn: [.pass, .dispatcherReturn], netns: "/run/netns/a")),
        .tc(.init(iface: "eth1", priority: 7, direction: .egress, proceedOn: [.ok, .shot])),
        .tcx(.init(iface: "eth2", priority: 1, direction: .ingress)),
        .tracepoint(.init(tracepoint: "syscalls/sys_enter_openat")),
        .kprobe(.init(fnName: "try_to_wake_up", offset: 8, retprobe: true)),
        .uprobe(.init(fnName: "malloc", target: "libc", retprobe: false, pid: 12, containerPid: 40)),
        .fentry(.init(fnName: "do_unlinkat")),
        .fexit(.init(fnName: "do_unlinkat")),
    ]

    @Test("every attach kind: the model → wire → model round trip is exact, and the program type is bpfman's kind")
    func roundTrip() throws {
        for attach in Self.attaches {
            let request = LoadRequest(bytecode: .image(url: "quay.io/x/y:v1", pullPolicy: .always, digest: nil), name: "f", attach: attach,
                                      globalData: ["GLOBAL_u8": [1, 2]], metadata: ["bpfman.io/uuid": "u1"], mapOwnerID: 9)
            let wire = ProtoConversion.loadRequest(request, username: "user", password: "secret")
            #expect(wire.programType == attach.kind.bpfmanKind)
            #expect(wire.bytecode.image.username == "user" && wire.bytecode.image.password == "secret")
            #expect(try ProtoConversion.request(wire) == request, "\(attach)")
        }
    }

    @Test("a listed program reads back as the request it was loaded with, its signature verdict included")
    func listedReadsBack() throws {
        var info = Bpfman_V1_ProgramInfo()
        info.name = "f"
        info.bytecode = ProtoConversion.location(.file(path: "/b/x.o"))
        info.attach = ProtoConversion.attachInfo(Self.attaches[0], position: 2)
        info.metadata = ["bpfman.io/uuid": "u1"]
        let signature = ImageSignature(verdict: .warning, detail: "no signature found", digest: "sha256:ab")
        info.imageSignature = ProtoConversion.imageSignature(signature)
        let request = try ProtoConversion.loadRequest(from: info)
        #expect(request.attach == Self.attaches[0] && request.bytecode == .file(path: "/b/x.o") && request.mapOwnerID == nil)
        #expect(request.signature == signature)
        // A verdict this side does not know is no verdict, not an error.
        info.imageSignature.verdict = "from-the-future"
        #expect(try ProtoConversion.loadRequest(from: info).signature == nil)
    }

    @Test("bad wire values are refused naming the field: no bytecode, no attach, pull policy, direction, proceed-on")
    func refusals() {
        func message(_ r: Bpfman_V1_LoadRequest) -> String {
            do { _ = try ProtoConversion.request(r); return "" } catch { return "\(error)" }
        }
        let good = ProtoConversion.loadRequest(LoadRequest(bytecode: .file(path: "/x.o"), name: "f", attach: Self.attaches[1]))
        var r = good; r.clearBytecode()
        #expect(message(r).contains("LoadRequest.bytecode: missing bytecode location"))
        r = good; r.clearAttach()
        #expect(message(r).contains("LoadRequest.attach: missing attach info"))
        r = good; r.bytecode.image.url = "x"; r.bytecode.image.imagePullPolicy = 7
        #expect(message(r).contains("image_pull_policy 7 is not 0 (Always), 1 (IfNotPresent) or 2 (Never)"))
        r = good; r.attach.tcAttachInfo.direction = "sideways"
        #expect(message(r).contains("direction \"sideways\" is not ingress or egress"))
        r = good; r.attach.tcAttachInfo.proceedOn = [99]
        #expect(message(r).contains("proceed_on value 99 is not valid"))
    }

    @Test("proceed-on is typed by hook: names and wire values for XDP and TC, none for TCX or probes")
    func proceedOn() throws {
        #expect(try ProceedOn.parse(["pass", "dispatcher_return"], for: .xdp) == .xdp([.pass, .dispatcherReturn]))
        #expect(try ProceedOn.parse(["redirect"], for: .tc).wireValues == [7])
        #expect(try ProceedOn.parse(["redirect"], for: .xdp).wireValues == [4], "the same name is another value on another hook")
        #expect(try ProceedOn.wire([0, 30], for: .tc) == .tc([.ok, .dispatcherReturn]))
        #expect(throws: BpfmanError.self) { try ProceedOn.parse(["shot"], for: .xdp) }
        #expect(throws: BpfmanError.self) { try ProceedOn.wire([5], for: .xdp) }
        do { _ = try ProceedOn.parse(["pass"], for: .tcx); Issue.record("TCX took a proceed-on") } catch {
            #expect("\(error)".contains("TCX programs have no proceed-on"))
        }
        #expect(throws: BpfmanError.self) { try ProceedOn.wire([2], for: .tracepoint) }
    }
}
