import Synchronization

/// A wake-up for one waiting loop: `signal()` from anywhere, `wait(timeout:)` in the loop.
/// Signals that arrive while nobody waits are remembered (once), so none is lost.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let watchdog: DeadlineWatchdog

    /// - Parameter watchdog: times the waits (a sleep per wait would keep its timer after an early wake-up).
    init(watchdog: DeadlineWatchdog) {
        self.watchdog = watchdog
    }

    /// Wakes the waiter now, or the next wait if nobody waits.
    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Waits for a signal, at most `timeout`; returns at once when the task is cancelled.
    func wait(timeout: Duration) async {
        let id = watchdog.schedule(at: .now + timeout) { [self] in signal() }
        await waitForSignal()
        watchdog.cancel(id)
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.signal()
        }
    }
}
