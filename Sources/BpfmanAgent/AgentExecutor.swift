import BpfmanAPI
import BpfmanModel
import Foundation

/// Carries out an `AgentPlan`: each step's actions in order, writes only
/// where they change the object. One failure rule: a bpfman call that fails
/// turns the rest of its BpfProgram's actions into its failure condition
/// (NotLoaded, or NotUnLoaded for an unload, with bpfman's words), the kernel
/// id annotation showing the program bpfman still has (none after an unload
/// or a refused load), and the pass is tried again.
/// A new BpfProgram is created after its calls, with the kernel id in the
/// create; if the create fails, the program this step loaded is unloaded
/// again (nothing left behind for an object that does not exist).
/// API errors end the pass (the controller backs off and retries).
struct AgentExecutor<Bpfman: BpfmanCalls, Store: BpfProgramStore>: Sendable {
    let bpfman: Bpfman
    let store: Store
    var credentials: RegistryCredentials.Credentials = .none
    /// The time stamp of a condition written now.
    var now: @Sendable () -> String = { ISO8601DateFormatter().string(from: Date()) }

    /// What a pass did: whether it must be tried again, and the failures, by BpfProgram name.
    struct Outcome: Sendable, Equatable {
        var retry: Bool
        var failures: [String: String] = [:]
    }

    func execute(_ plan: AgentPlan) async throws -> Outcome {
        var outcome = Outcome(retry: plan.retry)
        for id in plan.orphans {
            do {
                _ = try await bpfman.run(.unload(id: id), current: id, credentials: credentials)
            } catch {
                outcome.retry = true
                outcome.failures["program \(id) (no BpfProgram)"] = bpfman.describe(error)
            }
        }
        for step in plan.steps {
            if let failure = try await execute(step) {
                outcome.retry = true
                outcome.failures[step.program.metadata.name ?? ""] = failure
            }
        }
        return outcome
    }

    /// One BpfProgram's actions; returns the cause when a bpfman call failed.
    func execute(_ step: AgentStep) async throws -> String? {
        var bp = step.program
        var id = step.loadedID
        var signature: ImageSignature?
        // Until its create, a new object is edited in memory only.
        var exists = !step.actions.contains(.create)
        var loadedHere: UInt32?
        for (index, action) in step.actions.enumerated() {
            switch action {
            case .create:
                do {
                    bp = try await store.create(bp)
                    exists = true
                } catch {
                    if let loadedHere { _ = try? await bpfman.run(.unload(id: loadedHere), current: loadedHere, credentials: credentials) }
                    throw error
                }
            case .call(let call):
                do {
                    let done = try await bpfman.run(call, current: id, credentials: credentials)
                    id = done.id
                    if case .load = call { signature = done.signature; loadedHere = done.id }
                } catch {
                    let cause = bpfman.describe(error)
                    let condition = NodeDecision.failureCondition(call)
                    if step.actions[index...].contains(.setProgramID) {
                        bp = try await write(BpfProgramEdit.programID(bp, id), bp, exists: exists)
                    }
                    if !exists { bp = try await store.create(bp) }
                    _ = try await write(BpfProgramEdit.condition(bp, condition, cause: cause, at: now()), bp, status: true)
                    return cause
                }
            case .setProgramID:
                bp = try await write(BpfProgramEdit.programID(bp, id), bp, exists: exists)
            case .setCondition(let type, var cause):
                if type == .loaded, cause == nil { cause = ImageSignature.loadedCause(signature) }
                bp = try await write(BpfProgramEdit.condition(bp, type, cause: cause, at: now()), bp, status: true)
            case .removeFinalizer(let finalizer):
                bp = try await write(BpfProgramEdit.withoutFinalizer(bp, finalizer), bp)
            case .delete:
                try await store.delete(bp)
            }
        }
        return nil
    }

    /// Writes an edit (nil: nothing changed); one of an object not created yet stays in memory for its create.
    func write(_ edited: BpfProgram?, _ current: BpfProgram, status: Bool = false, exists: Bool = true) async throws -> BpfProgram {
        guard let edited else { return current }
        return exists ? try await store.update(edited, status: status) : edited
    }
}
