import Glibc
import Bpfman
import BpfKernel
import FoundationEssentials

/// The tables of upstream's CLI (no borders, one-space padding, columns aligned)
/// and the JSON form.
package enum Render {
    package static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .isoSeconds
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// Rows of two columns under a header; empty keys continue the row above.
    package static func table(_ header: String, _ rows: [(String, String)]) -> String {
        let width = max(header.count, rows.map(\.0.count).max() ?? 0)
        var out = " \(header)\n"
        for (k, v) in rows {
            let line = " " + PlainText.padded(k, to: width) + "  " + v
            out += line.trimmingTrailingSpaces() + "\n"
        }
        return out + "\n"
    }

    /// The list table; unreadable records come last as `corrupt` rows, with
    /// where the file was set aside in the last column.
    static func list(_ entries: [ProgramEntry], corrupt: [CorruptRecord] = []) -> String {
        let header = ["Program ID", "Name", "Type", "Load Time"]
        let rows = entries.map { e in
            [String(e.kernel.id), e.kernel.name, e.record?.kind.kindName ?? kernelTypeName(e.kernel.programType), e.kernel.loadedAtText]
        } + corrupt.map { c in
            [c.programID.map(String.init) ?? "-", PlainText.lastPathComponent(c.file), "corrupt",
             c.movedTo.map { "set aside as \($0)" } ?? "unreadable, set aside at the next change"]
        }
        return columns([header] + rows) + "\n"
    }

    /// One sentence for an unreadable record: which file, why, where it went.
    static func corruptLine(_ c: CorruptRecord) -> String {
        "record \(c.file) is corrupt (\(c.reason))" + (c.movedTo.map { "; set aside as \($0)" } ?? "")
    }

    static func program(_ e: ProgramEntry) -> String {
        var out = ""
        if let r = e.record { out += table("Bpfman State", bpfmanRows(r, e)) }
        return out + table("Kernel State", kernelRows(e.kernel))
    }

    static func bpfmanRows(_ r: ProgramRecord, _ e: ProgramEntry) -> [(String, String)] {
        var rows: [(String, String)] = [("Name:", r.name)]
        switch r.location {
        case .file(let path): rows.append(("Path:", path))
        case .image(let url, let policy, let digest):
            rows.append(("Image URL:", url))
            rows.append(("Pull Policy:", policy.rawValue))
            if let digest { rows.append(("Image Digest:", digest)) }
            if let sig = r.signature { rows.append(("Signature:", sig.summary)) }
        }
        rows += multi("Global:", r.globalData.sorted { $0.key < $1.key }.map { "\($0.key)=\(ArgumentParsing.hex($0.value))" })
        rows += multi("Metadata:", r.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        rows.append(("Map Pin Path:", r.mapPinPath))
        rows.append(("Map Owner ID:", r.mapOwnerID.map(String.init) ?? "None"))
        rows += multi("Maps Used By:", e.mapsUsedBy.map(String.init))
        let position = r.attachment.position.map(String.init) ?? "NONE"
        switch r.attach {
        case .xdp(let x):
            rows += [("Priority:", "\(x.priority)"), ("Iface:", x.iface), ("Position:", position),
                     ("Proceed On:", x.proceedOn.map(\.name).joined(separator: ", ")),
                     ("Network Namespace:", x.netns ?? "None")]
        case .tc(let t):
            rows += [("Attach Type:", "tc"), ("Priority:", "\(t.priority)"), ("Iface:", t.iface), ("Position:", position),
                     ("Direction:", t.direction.rawValue), ("Proceed On:", t.proceedOn.map(\.name).joined(separator: ", ")),
                     ("Network Namespace:", t.netns ?? "None")]
        case .tcx(let t):
            rows += [("Attach Type:", "tcx"), ("Priority:", "\(t.priority)"), ("Iface:", t.iface), ("Position:", position),
                     ("Direction:", t.direction.rawValue), ("Network Namespace:", t.netns ?? "None")]
        case .tracepoint(let t):
            rows.append(("Tracepoint:", t.tracepoint))
        case .kprobe(let k):
            rows += [("Probe Type:", k.retprobe ? "kretprobe" : "kprobe"), ("Function Name:", k.fnName),
                     ("Offset:", "\(k.offset)"), ("PID:", "\(k.containerPid ?? 0)")]
        case .uprobe(let u):
            rows += [("Probe Type:", u.retprobe ? "uretprobe" : "uprobe"), ("Function Name:", u.fnName ?? "NONE"),
                     ("Offset:", "\(u.offset)"), ("Target:", u.target), ("PID:", "\(u.pid ?? 0)"),
                     ("Container PID:", "\(u.containerPid ?? 0)")]
        case .fentry(let f): rows.append(("Function Name:", f.fnName))
        case .fexit(let f): rows.append(("Function Name:", f.fnName))
        }
        if e.stale { rows.append(("Kernel Status:", "GONE: the program's pin no longer opens; unload to clean up")) }
        return rows
    }

    static func kernelRows(_ k: ProgramKernelInfo) -> [(String, String)] {
        [("Program ID:", "\(k.id)"), ("Name:", k.name), ("Type:", kernelTypeName(k.programType)),
         ("Loaded At:", k.loadedAtText), ("Tag:", k.tag), ("GPL Compatible:", "\(k.gplCompatible)"),
         ("Map IDs:", "[\(k.mapIDs.map(String.init).joined(separator: ", "))]"), ("BTF ID:", "\(k.btfID)"),
         ("Size Translated (bytes):", "\(k.bytesXlated)"), ("JITted:", "\(k.jited)"),
         ("Size JITted:", "\(k.bytesJited)"), ("Kernel Allocated Memory (bytes):", "\(k.bytesMemlock)"),
         ("Verified Instruction Count:", "\(k.verifiedInsns)")]
    }

    static func multi(_ key: String, _ values: [String]) -> [(String, String)] {
        guard let first = values.first else { return [(key, "None")] }
        return [(key, first)] + values.dropFirst().map { ("", $0) }
    }

    /// Kernel type names as upstream's CLI prints them (kebab-case).
    static func kernelTypeName(_ type: UInt32) -> String {
        PlainText.replacing("_", with: "-", in: KernelTypeNames.program(type))
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Writes `text` to standard error (descriptor 2) as it is.
func printError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var rest = UnsafeRawBufferPointer(bytes)
        while !rest.isEmpty {
            let n = Glibc.write(2, rest.baseAddress, rest.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }
}
