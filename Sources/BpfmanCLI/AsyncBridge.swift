import Dispatch
import Synchronization

/// Runs async work (registry pulls, signing) from the CLI's synchronous
/// entry point: the work on the global executor, the calling thread waiting.
/// Commands that need no network never start Swift concurrency's threads
/// (a dispatch manager and two workers, ~1 ms of a short command's start).
package enum AsyncBridge {
    package static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }
}
