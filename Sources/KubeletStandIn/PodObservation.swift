/// What the runtime says of one pod at one moment: the input of its status.
public struct PodObservation: Sendable, Equatable {
    public enum ContainerState: Sendable, Equatable {
        case waiting(reason: String, message: String)
        case running(startedAt: String)
        case terminated(exitCode: Int32, reason: String, startedAt: String, finishedAt: String)
    }

    public struct Container: Sendable, Equatable {
        public var name: String
        public var image: String
        /// The runtime's container id (without the `containerd://` scheme).
        public var id: String?
        public var imageRef: String?
        public var state: ContainerState
        public var ready: Bool
        public var restartCount: Int

        public init(name: String, image: String, id: String? = nil, imageRef: String? = nil, state: ContainerState,
                    ready: Bool = false, restartCount: Int = 0)
        {
            self.name = name
            self.image = image
            self.id = id
            self.imageRef = imageRef
            self.state = state
            self.ready = ready
            self.restartCount = restartCount
        }
    }

    /// Set when the pod is not run at all.
    public var refusal: PodRefusal?
    /// The sandbox's failure to start (its network, its image), when it has none.
    public var sandboxError: String?
    public var sandboxReady: Bool
    public var podIP: String?
    public var startTime: String?
    public var containers: [Container]
    public var initContainers: [Container] = []
    /// Every init container succeeded (true for a pod without any).
    public var initialized = true

    public init(refusal: PodRefusal? = nil, sandboxError: String? = nil, sandboxReady: Bool = false, podIP: String? = nil,
                startTime: String? = nil, containers: [Container] = [])
    {
        self.refusal = refusal
        self.sandboxError = sandboxError
        self.sandboxReady = sandboxReady
        self.podIP = podIP
        self.startTime = startTime
        self.containers = containers
    }
}
