import AsyncHTTPClient
import NIOHTTP1
import Foundation
import KubeSim
import NIOCore
import NIOSSL
import TestHelpers
import Testing

/// A running kubesim for one test, with kubectl and a plain HTTP client pointed at it.
final class SimHarness: Sendable {
    let sim: KubeSim
    let dir: String
    let kubeconfig: String
    let http: HTTPClient

    static func start(configure: (inout KubeSim.Options) -> Void = { _ in }) async throws -> SimHarness {
        var o = KubeSim.Options()
        configure(&o)
        let sim = try await KubeSim.start(o)
        let dir = NSTemporaryDirectory() + "kubesim-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let kc = try sim.writeKubeconfig(to: dir + "/kubeconfig")
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = sim.ca {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.certificatePEM.utf8)))
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.timeout.read = .seconds(60)
        // Watches hold a connection each; tests open dozens at once.
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        return SimHarness(sim: sim, dir: dir, kubeconfig: kc, http: http)
    }

    /// Runs a test body against a fresh kubesim and always shuts it down.
    @discardableResult
    static func with<T>(_ configure: (inout KubeSim.Options) -> Void = { _ in }, _ body: (SimHarness) async throws -> T) async throws -> T {
        let h = try await start(configure: configure)
        let result: T
        do { result = try await body(h) } catch { await h.shutdown(); throw error }
        await h.shutdown()
        return result
    }

    private init(sim: KubeSim, dir: String, kubeconfig: String, http: HTTPClient) {
        self.sim = sim
        self.dir = dir
        self.kubeconfig = kubeconfig
        self.http = http
    }

    func shutdown() async {
        try? await http.shutdown()
        await sim.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: kubectl

    typealias Run = Shell.Result

    /// Runs kubectl against the simulator, as a user would (off the cooperative
    /// pool: blocking the test's task would starve the in-process server).
    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil) async throws -> Run {
        try await Shell.runAsync(SimHarness.kubectlPath, ["--kubeconfig", kubeconfig] + args, stdin: stdin)
    }

    /// Applies the test CRD with kubectl and waits until it is Established.
    func installCRD() async throws {
        let r = try await kubectl(["apply", "-f", "-"], stdin: Fixtures.crd)
        #expect(r.ok, "apply CRD: \(r.stderr)")
        let w = try await kubectl(["wait", "--for=condition=Established", "crd/xdpprograms.bpfman.io", "--timeout=10s"])
        #expect(w.ok, "wait Established: \(w.stderr)")
    }

    /// Waits for a background kubectl and returns its exit status and output.
    func finish(_ p: Process, _ out: Pipe) async throws -> (Int32, String) { try await SimHarness.collect(p, out) }

    /// Reads a process's output to the end and waits for its exit status.
    static func collect(_ p: Process, _ out: Pipe) async throws -> (Int32, String) {
        nonisolated(unsafe) let proc = p
        nonisolated(unsafe) let pipe = out
        return try await Shell.offPool {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            proc.waitUntilExit()
            return (proc.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    /// Starts kubectl in the background; its output is read when it ends.
    func kubectlBackground(_ args: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: SimHarness.kubectlPath)
        p.arguments = ["--kubeconfig", kubeconfig] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        return (p, out)
    }

    static let kubectlPath = Which.path("kubectl")

    // MARK: plain HTTP

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: JSON
        func header(_ n: String) -> String? { headers.first { $0.0.lowercased() == n.lowercased() }?.1 }
    }

    func request(_ method: HTTPMethod, _ path: String, body: JSON? = nil, contentType: String = "application/json",
                 token: String? = nil, headers: [(String, String)] = []) async throws -> Response
    {
        var req = HTTPClientRequest(url: sim.url + path)
        req.method = method
        req.headers.add(name: "Authorization", value: "Bearer \(token ?? sim.adminToken)")
        for (k, v) in headers { req.headers.add(name: k, value: v) }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(bytes: body.serialized()))
        }
        let resp = try await http.execute(req, timeout: .seconds(60))
        var buf = try await resp.body.collect(upTo: 512 << 20)
        let bytes = buf.readBytes(length: buf.readableBytes) ?? []
        let json = bytes.isEmpty ? JSON.null : ((try? JSON.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)))
        return Response(status: Int(resp.status.code), headers: resp.headers.map { ($0.name, $0.value) }, body: json)
    }

    /// Opens a watch and yields each event line as JSON until the server ends it.
    func watch(_ path: String) async throws -> AsyncThrowingStream<JSON, Error> {
        var req = HTTPClientRequest(url: sim.url + path)
        req.headers.add(name: "Authorization", value: "Bearer \(sim.adminToken)")
        let resp = try await http.execute(req, timeout: .seconds(300))
        return AsyncThrowingStream { cont in
            let t = Task {
                var pending: [UInt8] = []
                do {
                    for try await chunk in resp.body {
                        pending.append(contentsOf: chunk.readableBytesView)
                        while let nl = pending.firstIndex(of: 0x0a) {
                            let line = Array(pending[..<nl])
                            pending.removeSubrange(...nl)
                            if !line.isEmpty { cont.yield(try JSON.parse(line)) }
                        }
                    }
                    cont.finish()
                } catch {
                    cont.finish(throwing: error)
                }
            }
            cont.onTermination = { _ in t.cancel() }
        }
    }
}

/// The CRD the tests use: shaped like bpfman's XdpProgram (cluster scope,
/// status subresource, printer columns, enum, range, required, defaults).
enum Fixtures {
    static let crd = """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: xdpprograms.bpfman.io
    spec:
      group: bpfman.io
      names: {kind: XdpProgram, listKind: XdpProgramList, plural: xdpprograms, singular: xdpprogram}
      scope: Cluster
      versions:
      - name: v1alpha1
        served: true
        storage: true
        subresources: {status: {}}
        additionalPrinterColumns:
        - {jsonPath: ".spec.bpffunctionname", name: BpfFunctionName, type: string}
        - {jsonPath: ".status.conditions[0].reason", name: Status, type: string}
        - {jsonPath: ".spec.priority", name: Priority, type: string, priority: 1}
        schema:
          openAPIV3Schema:
            type: object
            properties:
              apiVersion: {type: string}
              kind: {type: string}
              metadata: {type: object}
              spec:
                type: object
                required: [bpffunctionname, priority]
                properties:
                  bpffunctionname: {type: string}
                  priority: {type: integer, minimum: 0, maximum: 1000}
                  proceedon:
                    type: array
                    maxItems: 6
                    default: [pass, dispatcher_return]
                    items: {type: string, enum: [aborted, drop, pass, tx, redirect, dispatcher_return]}
                  nodeselector:
                    type: object
                    properties:
                      matchLabels: {type: object, additionalProperties: {type: string}}
                  globaldata:
                    type: object
                    additionalProperties: {type: string, format: byte}
                  bytecode:
                    type: object
                    properties:
                      image:
                        type: object
                        required: [url]
                        properties:
                          url: {type: string}
                          imagepullpolicy: {type: string, default: IfNotPresent, enum: [Always, Never, IfNotPresent]}
              status:
                type: object
                properties:
                  conditions:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [type]
                    items:
                      type: object
                      required: [type, status, reason]
                      properties:
                        type: {type: string}
                        status: {type: string, enum: ["True", "False", "Unknown"]}
                        reason: {type: string, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'}
                        message: {type: string}
    """

    static func xdp(_ name: String, priority: Int = 50, function: String = "pass") -> String {
        """
        apiVersion: bpfman.io/v1alpha1
        kind: XdpProgram
        metadata:
          name: \(name)
          labels: {app: xdp}
        spec:
          bpffunctionname: \(function)
          priority: \(priority)
          nodeselector: {}
          bytecode:
            image: {url: quay.io/bpfman-bytecode/xdp_pass:latest}
        """
    }

    static func xdpJSON(_ name: String, priority: Int64 = 50) -> JSON {
        ["apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram",
         "metadata": ["name": .string(name)],
         "spec": ["bpffunctionname": "pass", "priority": .int(priority), "nodeselector": [:]]]
    }

    static let xdpPath = "/apis/bpfman.io/v1alpha1/xdpprograms"
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    static func configMap(_ name: String, labels: [String: String] = [:], owners: [JSON] = []) -> JSON {
        var meta: JSON = ["name": .string(name), "labels": .object(labels.mapValues(JSON.string))]
        if !owners.isEmpty { meta["ownerReferences"] = .array(owners) }
        return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": ["k": "v"]]
    }
}
