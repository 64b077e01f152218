/// Where a program's bytecode comes from.
public enum BytecodeLocation: Codable, Equatable, Sendable {
    /// A local ELF object file.
    case file(path: String)
    /// An OCI image (the bytecode-images work fills in pulling).
    case image(url: String, pullPolicy: ImagePullPolicy, digest: String?)
}

/// When to pull an image (upstream numbering: Always 0, IfNotPresent 1, Never 2).
public enum ImagePullPolicy: String, Codable, CaseIterable, Sendable {
    case always = "Always", ifNotPresent = "IfNotPresent", never = "Never"
}
