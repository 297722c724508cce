import Dispatch

/// The thread a connection's blocking libpq calls run on.
///
/// libpq's calls block; running them on Swift's cooperative pool would starve every other
/// task, so each ``PGConnection`` owns a serial dispatch queue and every libpq call on that
/// connection is a closure run there while the calling task is suspended. (STYLE §7 suggests a
/// `TaskExecutor` preference; a continuation over a private queue gives the same guarantee and
/// cannot silently fall back to the cooperative pool when the caller is actor-isolated.)
struct PGConnectionQueue: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the connection's own thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(PGError) -> T) async throws(PGError) -> T {
        let result: Result<T, PGError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(PGError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Asserts that the caller is on this queue (libpq handles are touched only here).
    func assertOnQueue() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
