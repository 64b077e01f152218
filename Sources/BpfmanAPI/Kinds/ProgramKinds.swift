import KubeClient

// The twelve program kinds. Printer columns follow upstream, with its two
// broken ones fixed: TcxProgram has no Position column (no such field) and
// TracepointProgram's points at `.spec.names`.

public enum XdpKind: ProgramObjectKind {
    public static let resource = bpfmanResource("XdpProgram", "xdpprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<XdpProgramInfo>.schema() }
    public typealias Info = XdpProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.priority, Columns.interfaces, Columns.proceedOn]
    public static let summary = "XdpProgram attaches an XDP program to interfaces on the selected nodes."
}

public enum XdpNsKind: ProgramObjectKind {
    public static let resource = bpfmanResource("XdpNsProgram", "xdpnsprograms", namespaced: true)
    public static var specSchema: SchemaValue { ProgramSpec<XdpNsProgramInfo>.schema() }
    public typealias Info = XdpNsProgramInfo
    public static let specRequired = true
    public static let printerColumns = XdpKind.printerColumns
    public static let summary = "XdpNsProgram attaches an XDP program inside the selected containers of its namespace."
}

public enum TcKind: ProgramObjectKind {
    public static let resource = bpfmanResource("TcProgram", "tcprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<TcProgramInfo>.schema() }
    public typealias Info = TcProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.priority, Columns.direction, Columns.interfaces, Columns.proceedOn]
    public static let summary = "TcProgram attaches a TC program to interfaces on the selected nodes."
}

public enum TcNsKind: ProgramObjectKind {
    public static let resource = bpfmanResource("TcNsProgram", "tcnsprograms", namespaced: true)
    public static var specSchema: SchemaValue { ProgramSpec<TcNsProgramInfo>.schema() }
    public typealias Info = TcNsProgramInfo
    public static let specRequired = true
    public static let printerColumns = TcKind.printerColumns
    public static let summary = "TcNsProgram attaches a TC program inside the selected containers of its namespace."
}

public enum TcxKind: ProgramObjectKind {
    public static let resource = bpfmanResource("TcxProgram", "tcxprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<TcxProgramInfo>.schema() }
    public typealias Info = TcxProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.direction, Columns.interfaces, Columns.priority]
    public static let summary = "TcxProgram attaches a TCX program to interfaces on the selected nodes."
}

public enum TcxNsKind: ProgramObjectKind {
    public static let resource = bpfmanResource("TcxNsProgram", "tcxnsprograms", namespaced: true)
    public static var specSchema: SchemaValue { ProgramSpec<TcxNsProgramInfo>.schema() }
    public typealias Info = TcxNsProgramInfo
    public static let specRequired = true
    public static let printerColumns = TcxKind.printerColumns
    public static let summary = "TcxNsProgram attaches a TCX program inside the selected containers of its namespace."
}

public enum TracepointKind: ProgramObjectKind {
    public static let resource = bpfmanResource("TracepointProgram", "tracepointprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<TracepointProgramInfo>.schema() }
    public typealias Info = TracepointProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [PrinterColumn(name: "TracePoint", jsonPath: ".spec.names", priority: 1)]
    public static let summary = "TracepointProgram attaches a program to kernel tracepoints on the selected nodes."
}

public enum KprobeKind: ProgramObjectKind {
    public static let resource = bpfmanResource("KprobeProgram", "kprobeprograms", namespaced: false)
    public typealias Info = KprobeProgramInfo
    public static var specSchema: SchemaValue {
        ProgramSpec<KprobeProgramInfo>.schema(validations: [("self.retprobe == false || self.offset == 0", "offset cannot be set for kretprobes")])
    }
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.funcName, Columns.offset, Columns.retprobe]
    public static let summary = "KprobeProgram attaches a kprobe or kretprobe on the selected nodes."
}

public enum UprobeKind: ProgramObjectKind {
    public static let resource = bpfmanResource("UprobeProgram", "uprobeprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<UprobeProgramInfo>.schema() }
    public typealias Info = UprobeProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.funcName, Columns.offset,
                                                       PrinterColumn(name: "Target", jsonPath: ".spec.target", priority: 1),
                                                       Columns.retprobe,
                                                       PrinterColumn(name: "Pid", jsonPath: ".spec.pid", type: "integer", priority: 1)]
    public static let summary = "UprobeProgram attaches a uprobe or uretprobe on the selected nodes."
}

public enum UprobeNsKind: ProgramObjectKind {
    public static let resource = bpfmanResource("UprobeNsProgram", "uprobensprograms", namespaced: true)
    public static var specSchema: SchemaValue { ProgramSpec<UprobeNsProgramInfo>.schema() }
    public typealias Info = UprobeNsProgramInfo
    public static let specRequired = true
    public static let printerColumns = UprobeKind.printerColumns
    public static let summary = "UprobeNsProgram attaches a uprobe inside the selected containers of its namespace."
}

public enum FentryKind: ProgramObjectKind {
    public static let resource = bpfmanResource("FentryProgram", "fentryprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<FentryProgramInfo>.schema() }
    public typealias Info = FentryProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.funcName]
    public static let summary = "FentryProgram attaches an fentry program to a kernel function on the selected nodes."
}

public enum FexitKind: ProgramObjectKind {
    public static let resource = bpfmanResource("FexitProgram", "fexitprograms", namespaced: false)
    public static var specSchema: SchemaValue { ProgramSpec<FexitProgramInfo>.schema() }
    public typealias Info = FexitProgramInfo
    public static let specRequired = true
    public static let printerColumns = Columns.base + [Columns.funcName]
    public static let summary = "FexitProgram attaches an fexit program to a kernel function on the selected nodes."
}

public typealias XdpProgram = BpfmanObject<XdpKind>
public typealias XdpNsProgram = BpfmanObject<XdpNsKind>
public typealias TcProgram = BpfmanObject<TcKind>
public typealias TcNsProgram = BpfmanObject<TcNsKind>
public typealias TcxProgram = BpfmanObject<TcxKind>
public typealias TcxNsProgram = BpfmanObject<TcxNsKind>
public typealias TracepointProgram = BpfmanObject<TracepointKind>
public typealias KprobeProgram = BpfmanObject<KprobeKind>
public typealias UprobeProgram = BpfmanObject<UprobeKind>
public typealias UprobeNsProgram = BpfmanObject<UprobeNsKind>
public typealias FentryProgram = BpfmanObject<FentryKind>
public typealias FexitProgram = BpfmanObject<FexitKind>
