import Foundation

/// The one poll loop of the test targets: reads `read` every `interval` until `done` holds for what it read or
/// `timeout` passes; returns the last value read either way (the caller
/// asserts on it, so a timeout fails with what was seen).
@discardableResult
public func eventually<T>(within timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(200),
                   _ read: () async throws -> T, until done: (T) -> Bool) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var last = try await read()
    while !done(last), ContinuousClock.now < deadline {
        try await Task.sleep(for: interval)
        last = try await read()
    }
    return last
}

/// True once `check` holds, false when `timeout` passed first.
@discardableResult
public func eventually(within timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(200),
                _ check: () async throws -> Bool) async throws -> Bool {
    try await eventually(within: timeout, every: interval, check, until: { $0 })
}
