import BpfmanAPI
import BpfmanModel

/// bpfman as the agent's executor sees it: the programs it has and one call
/// at a time. `AgentContext` speaks gRPC; tests use an in-memory kernel.
protocol BpfmanCalls: Sendable {
    /// bpfman's programs that belong to BpfPrograms, by BpfProgram name; with
    /// `owner`, those loaded for that owner only (metadata `bpfman.io/ProgramName`).
    func loadedPrograms(owner: String?) async throws -> AgentPlanner.Loaded
    /// Makes one call; returns the program's id afterwards and, for a load,
    /// what bpfman said of the image's signature.
    func run(_ call: NodeDecision.Call, current: UInt32?, credentials: RegistryCredentials.Credentials) async throws
        -> (id: UInt32?, signature: ImageSignature?)
    /// The text of a bpfman error, for a condition's message.
    func describe(_ error: any Error) -> String
}

/// Where the agent writes BpfPrograms. `AgentContext` writes to the API
/// server (and remembers its writes for its cache view); tests keep a dictionary.
protocol BpfProgramStore: Sendable {
    func create(_ bp: BpfProgram) async throws -> BpfProgram
    /// Writes the object (`status`: its status subresource) and returns it as stored.
    func update(_ bp: BpfProgram, status: Bool) async throws -> BpfProgram
    func delete(_ bp: BpfProgram) async throws
}
