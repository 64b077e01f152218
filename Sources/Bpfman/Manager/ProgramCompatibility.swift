import BpfKernel

/// Whether a program in an object can be attached as the requested kind.
enum ProgramCompatibility {
    static func check(_ attach: AttachInfo, _ p: BpfProgram, path: String) throws {
        let kind = attach.kind
        let type = p.type
        let section = p.sectionName
        let expected: UInt32
        switch kind {
        case .xdp: expected = BpfProgramTypeID.xdp
        case .tc, .tcx: expected = BpfProgramTypeID.schedCls
        case .tracepoint: expected = BpfProgramTypeID.tracepoint
        case .kprobe, .uprobe: expected = BpfProgramTypeID.kprobe
        case .fentry, .fexit: expected = BpfProgramTypeID.tracing
        }
        guard type == expected else {
            throw BpfmanError.invalid(
                "program \(p.name) in \(path) is a \(BpfProgramTypeID.name(type)) program (section \"\(section)\"); it cannot be loaded as \(kind.rawValue)")
        }
        switch attach {
        case .kprobe(let k):
            try retprobe(k.retprobe, section: section, probe: "kprobe", program: p.name)
        case .uprobe(let u):
            try retprobe(u.retprobe, section: section, probe: "uprobe", program: p.name)
        case .fentry where p.expectedAttachType != BpfProgramTypeID.attachTraceFentry,
             .fexit where p.expectedAttachType != BpfProgramTypeID.attachTraceFexit:
            throw BpfmanError.invalid("program \(p.name) in \(path) (section \"\(section)\") is not an \(kind.rawValue) program")
        default: break
        }
    }

    private static func retprobe(_ wanted: Bool, section: String, probe: String, program: String) throws {
        let isRet = section.hasPrefix("kretprobe") || section.hasPrefix("uretprobe")
        guard isRet == wanted else {
            let want = wanted ? PlainText.replacing("probe", with: "retprobe", in: probe) : probe
            let have = isRet ? PlainText.replacing("probe", with: "retprobe", in: probe) : probe
            throw BpfmanError.invalid("expected \(want), loaded program \(program) is a \(have) (section \"\(section)\")")
        }
    }
}
