import Bpfman

/// A NodePublishVolume or NodeUnpublishVolume request checked field by field
/// before anything is touched: each refusal names the field and why, so a bad
/// pod spec is fixed from its events alone. Pure.
public struct CSIVolumeRequest: Sendable, Equatable {
    /// The volume context keys a pod sets in `volumeAttributes`.
    public static let programKey = "csi.bpfman.io/program"
    public static let mapsKey = "csi.bpfman.io/maps"

    /// How the CO wants the volume: only a mounted directory makes sense for maps.
    public enum Capability: Sendable, Equatable {
        case mount(group: String)
        case block
    }

    public var volumeID: String
    public var targetPath: String

    /// Checks the two fields both calls carry.
    public init(volumeID: String, targetPath: String) throws(BpfmanError) {
        self.volumeID = try Self.pathComponent(volumeID, field: "volume_id")
        self.targetPath = try Self.absolutePath(targetPath, field: "target_path")
    }

    /// What NodePublishVolume asks for, checked.
    public struct Publish: Sendable, Equatable {
        public var volume: CSIVolumeRequest
        /// The bpfman program's name (`bpfman.io/ProgramName` metadata).
        public var program: String
        /// Map names in the order asked, without repeats.
        public var maps: [String]
        public var readOnly: Bool
        /// The pod's fsGroup, which the map files are given with mode 0660.
        public var group: UInt32?

        public init(volumeID: String, targetPath: String, context: [String: String],
                    capability: Capability?, readOnly: Bool) throws(BpfmanError) {
            volume = try CSIVolumeRequest(volumeID: volumeID, targetPath: targetPath)
            switch capability {
            case nil:
                throw BpfmanError(.invalidArgument, "volume_capability is required")
            case .block:
                throw BpfmanError(.invalidArgument, "volume_capability.block is not supported: csi.bpfman.io volumes are mounted directories of maps")
            case .mount(let g) where g.isEmpty:
                group = nil
            case .mount(let g):
                guard let gid = UInt32(g) else {
                    throw BpfmanError(.invalidArgument, "volume_capability.mount.volume_mount_group \"\(g)\" is not a numeric group id")
                }
                group = gid
            }
            let name = context[CSIVolumeRequest.programKey]?.trimmed ?? ""
            guard !name.isEmpty else {
                throw BpfmanError(.invalidArgument, "volume_context[\"\(CSIVolumeRequest.programKey)\"] is required: the name of the bpfman program object (XdpProgram, TcProgram, …) whose maps the volume holds")
            }
            guard Self.isObjectName(name) else {
                throw BpfmanError(.invalidArgument, "volume_context[\"\(CSIVolumeRequest.programKey)\"] \"\(name)\" is not a Kubernetes object name (lower-case letters, digits, '-' and '.', at most 253)")
            }
            program = name
            let listed = (context[CSIVolumeRequest.mapsKey] ?? "").split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
            guard !listed.isEmpty else {
                throw BpfmanError(.invalidArgument, "volume_context[\"\(CSIVolumeRequest.mapsKey)\"] is required: a comma-separated list of the program's map names")
            }
            var seen = Set<String>()
            var maps: [String] = []
            for m in listed where seen.insert(m).inserted {
                maps.append(try CSIVolumeRequest.pathComponent(m, field: "volume_context[\"\(CSIVolumeRequest.mapsKey)\"] map name", maxLength: 255))
            }
            self.maps = maps
            self.readOnly = readOnly
        }

        static func isObjectName(_ s: String) -> Bool {
            s.utf8.count <= 253 && s.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                    || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            }
        }
    }

    /// One file name inside the plugin's own directories: letters, digits,
    /// '.', '_', '-', never '..' or a '/', so no request can reach a path
    /// outside them (and mountinfo shows it unescaped).
    static func pathComponent(_ s: String, field: String, maxLength: Int = 128) throws(BpfmanError) -> String {
        guard !s.isEmpty else { throw BpfmanError(.invalidArgument, "\(field) is required") }
        guard !s.contains("/"), !s.contains("..") else {
            throw BpfmanError(.invalidArgument, "\(field) \"\(s)\" must not contain '/' or '..'")
        }
        guard s.utf8.count <= maxLength, s.utf8.allSatisfy(Self.isNameByte) else {
            throw BpfmanError(.invalidArgument, "\(field) \"\(s)\" may hold only letters, digits, '.', '_' and '-' (at most \(maxLength))")
        }
        guard s != "." else { throw BpfmanError(.invalidArgument, "\(field) \".\" is not a name") }
        return s
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    /// An absolute path without '.' or '..' components, NUL or control
    /// characters; a trailing '/' is dropped.
    static func absolutePath(_ s: String, field: String) throws(BpfmanError) -> String {
        guard !s.isEmpty else { throw BpfmanError(.invalidArgument, "\(field) is required") }
        guard s.hasPrefix("/") else { throw BpfmanError(.invalidArgument, "\(field) \"\(s)\" is not an absolute path") }
        guard s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7f && $0 != UInt8(ascii: "\\") }) else {
            throw BpfmanError(.invalidArgument, "\(field) holds a control character or a backslash")
        }
        let parts = s.split(separator: "/")
        guard !parts.isEmpty else { throw BpfmanError(.invalidArgument, "\(field) \"/\" is the root directory") }
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw BpfmanError(.invalidArgument, "\(field) \"\(s)\" must not contain '.' or '..' components")
        }
        guard s.utf8.count <= 4096 else { throw BpfmanError(.invalidArgument, "\(field) is longer than 4096 bytes") }
        return "/" + parts.joined(separator: "/")
    }
}

extension String {
    fileprivate var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
