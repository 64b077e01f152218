import Bpfman
import Foundation
import Testing

@Suite("Config and request validation")
struct ConfigAndValidationTests {
    @Test("bpfman.toml: the registry section")
    func registryConfig() {
        let c = BpfmanConfig.parse("""
            [registry]
            insecure = ["127.0.0.1:5000", "reg.local:80"]
            ca_file = "/etc/bpfman/ca.pem"
            """)
        #expect(c.insecureRegistries == ["127.0.0.1:5000", "reg.local:80"])
        #expect(c.registryCAFile == "/etc/bpfman/ca.pem")
    }

    @Test("bpfman.toml: per-interface xdp_mode; drv by default; other keys ignored")
    func config() {
        let c = BpfmanConfig.parse("""
            [interfaces]
              [interfaces.eth0]
              xdp_mode = "skb"  # comment
            [interfaces.eth1]
            xdp_mode = "hw"
            [signing]
            allow_unsigned = true
            [database]
            xdp_mode = "hw"
            """)
        #expect(c.xdpMode(for: "eth0") == .skb)
        #expect(c.xdpMode(for: "eth1") == .hw)
        #expect(c.xdpMode(for: "veth9") == .drv)
        #expect(c.xdpModes.count == 2)
    }

    func request(_ attach: AttachInfo, name: String = "prog") -> LoadRequest {
        LoadRequest(bytecode: .file(path: "/x.o"), name: name, attach: attach)
    }

    @Test("requests are checked before anything touches the kernel", arguments: [
        (AttachInfo.tracepoint(.init(tracepoint: "nocategory")), "is not a valid attach point"),
        (AttachInfo.tracepoint(.init(tracepoint: "a/b/c")), "is not a valid attach point"),
        (AttachInfo.kprobe(.init(fnName: "f", offset: 4, retprobe: true)), "offset not allowed for kretprobe"),
        (AttachInfo.kprobe(.init(fnName: "f", containerPid: 9)), "container option not supported"),
        (AttachInfo.kprobe(.init(fnName: "")), "needs a kernel function name"),
        (AttachInfo.uprobe(.init(fnName: "f", target: "")), "needs a target"),
        (AttachInfo.xdp(.init(iface: "", priority: 1)), "interface name is empty"),
        (AttachInfo.tc(.init(iface: "averyveryverylongname", priority: 1, direction: .ingress)), "is not a valid interface name"),
        (AttachInfo.fentry(.init(fnName: "")), "fentry needs a kernel function name"),
    ])
    func invalid(attach: AttachInfo, reason: String) {
        #expect {
            try RequestValidator.validate(request(attach))
        } throws: { error in
            (error as? BpfmanError)?.message.contains(reason) == true
        }
    }

    @Test("a valid request passes")
    func valid() throws {
        try RequestValidator.validate(request(.tracepoint(.init(tracepoint: "syscalls/sys_enter_openat"))))
        try RequestValidator.validate(request(.kprobe(.init(fnName: "do_unlinkat", retprobe: true))))
        #expect(throws: BpfmanError.self) { try RequestValidator.validate(request(.fexit(.init(fnName: "f")), name: "")) }
    }

    @Test("program kinds map to upstream's kind numbers and names")
    func kinds() {
        #expect(ProgramKind.tcx.bpfmanKind == 3)
        #expect(ProgramKind.uprobe.kindName == "probe")
        #expect(ProgramKind.fexit.bpfmanKind == 26)
        #expect(ProgramKind.listTypeNames["xdp"] == 6)
        #expect(ProgramKind.listTypeNames["probe"] == 2)
        #expect(ProgramKind.listTypeNames["kprobe"] == 2)
        #expect(ProgramKind.listTypeNames["tc"] == 3)
        #expect(ProgramKind.listTypeNames["socket-filter"] == 1)
        #expect(ProgramKind.listTypeNames["tracing"] == 26)
        #expect(KernelTypeNames.map(6) == "per_cpu_array")
        #expect(XdpAction.defaultProceedOn.map(\.rawValue) == [2, 31])
        #expect(TcAction.defaultProceedOn.map(\.rawValue) == [3, 30])
    }
}
