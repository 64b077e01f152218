import BpfmanModel
import Foundation

/// Between the bpfman.v1 wire messages and the core's model. Requests are
/// validated here with the field that is wrong named in the error.
public enum ProtoConversion {
    // MARK: requests

    public static func request(_ r: Bpfman_V1_LoadRequest) throws -> LoadRequest {
        guard r.hasBytecode, let location = r.bytecode.location else {
            throw BpfmanError(.invalidArgument, "LoadRequest.bytecode: missing bytecode location (file or image)")
        }
        guard r.hasAttach, r.attach.info != nil else {
            throw BpfmanError(.invalidArgument, "LoadRequest.attach: missing attach info")
        }
        let bytecode: BytecodeLocation
        switch location {
        case .file(let path): bytecode = .file(path: path)
        case .image(let image): bytecode = .image(url: image.url, pullPolicy: try pullPolicy(image.imagePullPolicy), digest: nil)
        }
        return LoadRequest(
            bytecode: bytecode, name: r.name, attach: try attachInfo(r.attach),
            globalData: r.globalData.mapValues { [UInt8]($0) }, metadata: r.metadata,
            mapOwnerID: r.hasMapOwnerID ? r.mapOwnerID : nil)
    }

    /// The wire form of a load request (what a client such as the agent sends);
    /// `username`/`password` go with image bytecode.
    public static func loadRequest(_ r: LoadRequest, username: String = "", password: String = "") -> Bpfman_V1_LoadRequest {
        var out = Bpfman_V1_LoadRequest()
        out.bytecode = location(r.bytecode, username: username, password: password)
        out.name = r.name
        out.programType = r.attach.kind.bpfmanKind
        out.attach = attachInfo(r.attach)
        out.metadata = r.metadata
        out.globalData = r.globalData.mapValues { Data($0) }
        if let owner = r.mapOwnerID { out.mapOwnerID = owner }
        return out
    }

    /// What a listed program was loaded with, as a load request (to compare with what is wanted now).
    public static func loadRequest(from info: Bpfman_V1_ProgramInfo) throws -> LoadRequest {
        let bytecode: BytecodeLocation
        switch info.bytecode.location {
        case .image(let image): bytecode = .image(url: image.url, pullPolicy: try pullPolicy(image.imagePullPolicy), digest: nil)
        case .file(let path): bytecode = .file(path: path)
        case nil: bytecode = .file(path: "")
        }
        var request = LoadRequest(bytecode: bytecode, name: info.name, attach: try attachInfo(info.attach),
                                  globalData: info.globalData.mapValues { [UInt8]($0) }, metadata: info.metadata,
                                  mapOwnerID: info.hasMapOwnerID ? info.mapOwnerID : nil)
        request.signature = imageSignature(of: info)
        return request
    }

    public static func pullPolicy(_ value: Int32) throws -> ImagePullPolicy {
        switch value {
        case 0: .always
        case 1: .ifNotPresent
        case 2: .never
        default: throw BpfmanError(.invalidArgument, "image_pull_policy \(value) is not 0 (Always), 1 (IfNotPresent) or 2 (Never)")
        }
    }

    static func direction(_ s: String, _ field: String) throws -> TcDirection {
        guard let d = TcDirection(rawValue: s) else {
            throw BpfmanError(.invalidArgument, "\(field).direction \"\(s)\" is not ingress or egress")
        }
        return d
    }

    static func actions<A: ProceedOnAction & RawRepresentable>(_ values: [Int32], _ field: String, default def: [A]) throws -> [A]
    where A.RawValue == Int32 {
        let parsed = try values.map { v in
            guard let a = A(rawValue: v) else {
                throw BpfmanError(.invalidArgument, "\(field).proceed_on value \(v) is not valid; use \(A.allCases.map { "\($0.rawValue) (\($0.name))" }.joined(separator: ", "))")
            }
            return a
        }
        return parsed.isEmpty ? def : parsed
    }

    public static func attachInfo(_ a: Bpfman_V1_AttachInfo) throws -> AttachInfo {
        switch a.info {
        case .xdpAttachInfo(let x):
            return .xdp(.init(iface: x.iface, priority: x.priority,
                              proceedOn: try actions(x.proceedOn, "xdp_attach_info", default: XdpAction.defaultProceedOn),
                              netns: x.hasNetns ? x.netns : nil))
        case .tcAttachInfo(let t):
            return .tc(.init(iface: t.iface, priority: t.priority, direction: try direction(t.direction, "tc_attach_info"),
                             proceedOn: try actions(t.proceedOn, "tc_attach_info", default: TcAction.defaultProceedOn),
                             netns: t.hasNetns ? t.netns : nil))
        case .tcxAttachInfo(let t):
            return .tcx(.init(iface: t.iface, priority: t.priority, direction: try direction(t.direction, "tcx_attach_info"),
                              netns: t.hasNetns ? t.netns : nil))
        case .tracepointAttachInfo(let t):
            return .tracepoint(.init(tracepoint: t.tracepoint))
        case .kprobeAttachInfo(let k):
            return .kprobe(.init(fnName: k.fnName, offset: k.offset, retprobe: k.retprobe,
                                 containerPid: k.hasContainerPid ? k.containerPid : nil))
        case .uprobeAttachInfo(let u):
            return .uprobe(.init(fnName: u.hasFnName ? u.fnName : nil, offset: u.offset, target: u.target, retprobe: u.retprobe,
                                 pid: u.hasPid ? u.pid : nil, containerPid: u.hasContainerPid ? u.containerPid : nil))
        case .fentryAttachInfo(let f):
            return .fentry(.init(fnName: f.fnName))
        case .fexitAttachInfo(let f):
            return .fexit(.init(fnName: f.fnName))
        case nil:
            throw BpfmanError(.invalidArgument, "LoadRequest.attach: missing attach info")
        }
    }

    public static func listFilter(_ r: Bpfman_V1_ListRequest) -> ListFilter {
        ListFilter(programType: r.hasProgramType ? r.programType : nil,
                   bpfmanOnly: r.hasBpfmanProgramsOnly ? r.bpfmanProgramsOnly : false,
                   metadata: r.matchMetadata)
    }

    /// Where bytecode is, on the wire (credentials only go out with a request).
    public static func location(_ l: BytecodeLocation, username: String = "", password: String = "") -> Bpfman_V1_BytecodeLocation {
        var out = Bpfman_V1_BytecodeLocation()
        switch l {
        case .file(let path): out.file = path
        case .image(let url, let policy, _):
            var image = Bpfman_V1_BytecodeImage()
            image.url = url
            image.imagePullPolicy = Int32(ImagePullPolicy.allCases.firstIndex(of: policy) ?? 1)
            image.username = username
            image.password = password
            out.image = image
        }
        return out
    }

    // MARK: responses


    public static func imageSignature(_ s: ImageSignature) -> Bpfman_V1_ImageSignature {
        var m = Bpfman_V1_ImageSignature()
        m.verdict = s.verdict.rawValue
        m.signer = s.signer ?? ""
        m.detail = s.detail ?? ""
        m.digest = s.digest
        return m
    }

    /// The verdict a program info carries, if any.
    public static func imageSignature(of info: Bpfman_V1_ProgramInfo) -> ImageSignature? {
        info.hasImageSignature ? imageSignature(info.imageSignature) : nil
    }

    /// nil for a verdict this side does not know.
    public static func imageSignature(_ m: Bpfman_V1_ImageSignature) -> ImageSignature? {
        guard let verdict = ImageSignature.Verdict(rawValue: m.verdict) else { return nil }
        return ImageSignature(verdict: verdict, signer: m.signer.isEmpty ? nil : m.signer,
                              detail: m.detail.isEmpty ? nil : m.detail, digest: m.digest)
    }

    public static func attachInfo(_ a: AttachInfo, position: Int32 = 0) -> Bpfman_V1_AttachInfo {
        var out = Bpfman_V1_AttachInfo()
        switch a {
        case .xdp(let x):
            var m = Bpfman_V1_XDPAttachInfo()
            m.priority = x.priority; m.iface = x.iface; m.position = position
            m.proceedOn = x.proceedOn.map(\.rawValue)
            if let ns = x.netns { m.netns = ns }
            out.xdpAttachInfo = m
        case .tc(let t):
            var m = Bpfman_V1_TCAttachInfo()
            m.priority = t.priority; m.iface = t.iface; m.position = position; m.direction = t.direction.rawValue
            m.proceedOn = t.proceedOn.map(\.rawValue)
            if let ns = t.netns { m.netns = ns }
            out.tcAttachInfo = m
        case .tcx(let t):
            var m = Bpfman_V1_TCXAttachInfo()
            m.priority = t.priority; m.iface = t.iface; m.position = position; m.direction = t.direction.rawValue
            if let ns = t.netns { m.netns = ns }
            out.tcxAttachInfo = m
        case .tracepoint(let t):
            var m = Bpfman_V1_TracepointAttachInfo()
            m.tracepoint = t.tracepoint
            out.tracepointAttachInfo = m
        case .kprobe(let k):
            var m = Bpfman_V1_KprobeAttachInfo()
            m.fnName = k.fnName; m.offset = k.offset; m.retprobe = k.retprobe
            if let p = k.containerPid { m.containerPid = p }
            out.kprobeAttachInfo = m
        case .uprobe(let u):
            var m = Bpfman_V1_UprobeAttachInfo()
            if let f = u.fnName { m.fnName = f }
            m.offset = u.offset; m.target = u.target; m.retprobe = u.retprobe
            if let p = u.pid { m.pid = p }
            if let p = u.containerPid { m.containerPid = p }
            out.uprobeAttachInfo = m
        case .fentry(let f):
            var m = Bpfman_V1_FentryAttachInfo()
            m.fnName = f.fnName
            out.fentryAttachInfo = m
        case .fexit(let f):
            var m = Bpfman_V1_FexitAttachInfo()
            m.fnName = f.fnName
            out.fexitAttachInfo = m
        }
        return out
    }
}
