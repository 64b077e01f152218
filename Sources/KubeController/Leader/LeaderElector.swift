import Foundation
import KubeClient
import Logging
import Synchronization

/// Leader election on a Lease with client-go's timing (15 s lease, 10 s renew
/// deadline, 2 s retry). Only the leader runs its work; a clean shutdown
/// releases the lease so another process takes over at once.
public final class LeaderElector: Sendable {
    public struct Config: Sendable {
        public var name: String
        public var namespace: String
        public var identity: String
        public var leaseDuration: Duration = .seconds(15)
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)
        /// Give the lease up when cancelled (a clean shutdown), so a successor need not wait.
        public var releaseOnCancel = true

        public init(name: String, namespace: String, identity: String) {
            self.name = name
            self.namespace = namespace
            self.identity = identity
        }
    }

    public let client: KubeClient
    public let config: Config
    let logger: Logger
    private struct Observed { var spec: Lease.Spec?; var at: ContinuousClock.Instant }
    private let observed = Mutex<Observed?>(nil)
    private let leading = Mutex(false)

    public init(client: KubeClient, config: Config, logger: Logger = Logger(label: "leader-election")) {
        self.client = client
        self.config = config
        self.logger = logger
    }

    public var isLeader: Bool { leading.withLock { $0 } }

    /// Campaigns until elected, runs `work` while leading, and returns when
    /// leadership is lost (work cancelled) or the task is cancelled (lease released).
    public func run(_ work: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            if (try? await tryAcquireOrRenew()) == true { break }
            try? await Task.sleep(for: config.retryPeriod)
        }
        guard !Task.isCancelled else { return }
        leading.withLock { $0 = true }
        logger.info("became leader", metadata: ["lease": "\(config.namespace)/\(config.name)", "identity": "\(config.identity)"])
        let workTask = Task { await work() }
        var lastRenew = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: config.retryPeriod)
            if Task.isCancelled { break }
            if (try? await tryAcquireOrRenew()) == true {
                lastRenew = .now
            } else if ContinuousClock.now - lastRenew > config.renewDeadline {
                logger.warning("lost leadership", metadata: ["lease": "\(config.namespace)/\(config.name)"])
                break
            }
        }
        workTask.cancel()
        await workTask.value
        leading.withLock { $0 = false }
        if Task.isCancelled && config.releaseOnCancel {
            // Our task is cancelled, which would cancel the release request too.
            await Task.detached { await self.release() }.value
        }
    }

    /// One attempt: take the lease if it is free or expired, or renew ours.
    func tryAcquireOrRenew() async throws -> Bool {
        let now = Lease.microTime()
        let seconds = Int(config.leaseDuration.components.seconds)
        let current: Lease
        do {
            current = try await client.get(Lease.self, namespace: config.namespace, name: config.name)
        } catch let e as KubeError where e.isNotFound {
            var l = Lease(metadata: ObjectMeta(name: config.name, namespace: config.namespace))
            l.spec = .init(holderIdentity: config.identity, leaseDurationSeconds: seconds, acquireTime: now, renewTime: now, leaseTransitions: 0)
            _ = try await client.create(Lease.resource, namespace: config.namespace, l)
            observe(l.spec)
            return true
        }
        // Expiry is judged by when we saw the record change, not the holder's clock.
        let seenAt = observe(current.spec)
        let holder = current.spec?.holderIdentity ?? ""
        let duration = Duration.seconds(current.spec?.leaseDurationSeconds ?? seconds)
        if !holder.isEmpty && holder != config.identity && ContinuousClock.now - seenAt < duration { return false }
        var l = current
        var spec = current.spec ?? .init()
        if holder != config.identity {
            spec.acquireTime = now
            spec.leaseTransitions = (spec.leaseTransitions ?? 0) + (holder.isEmpty ? 0 : 1)
        }
        spec.holderIdentity = config.identity
        spec.leaseDurationSeconds = seconds
        spec.renewTime = now
        l.spec = spec
        do {
            let updated = try await client.update(l)
            observe(updated.spec)
            return true
        } catch let e as KubeError where e.isConflict {
            return false
        }
    }

    @discardableResult
    private func observe(_ spec: Lease.Spec?) -> ContinuousClock.Instant {
        observed.withLock { o in
            if let o, o.spec == spec { return o.at }
            let now = ContinuousClock.now
            o = Observed(spec: spec, at: now)
            return now
        }
    }

    /// Gives the lease up: no holder, a one-second duration.
    func release() async {
        do {
            _ = try await client.retryOnConflict(Lease.resource, namespace: config.namespace, name: config.name, attempts: 3) { (l: inout Lease) in
                guard l.spec?.holderIdentity == self.config.identity else { return }
                l.spec?.holderIdentity = ""
                l.spec?.leaseDurationSeconds = 1
                l.spec?.renewTime = Lease.microTime()
            }
            logger.info("released the lease", metadata: ["lease": "\(config.namespace)/\(config.name)"])
        } catch {
            logger.warning("could not release the lease", metadata: ["error": "\(error)"])
        }
    }
}
