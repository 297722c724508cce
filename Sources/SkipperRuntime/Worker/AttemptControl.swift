import SkipperStore
import Synchronization

/// How the runner stops one running attempt before it ends by itself, when an operator cancels
/// its execution (`cancel_execution`, `runner cancel`).
///
/// The runner first asks the handler to stop gracefully, through the hook the handler registered
/// with ``onStopRequest(_:)`` (a ``CommandHandler`` sends SIGTERM to its process group); after
/// CANCEL_GRACE, or at once when no hook was registered, it cancels the attempt's task, which an
/// in-process handler sees as task cancellation and a command handler as SIGKILL.
///
/// A handler finds the control of the attempt it runs in ``current``.
public final class AttemptControl: Sendable {
    /// The control of the attempt the current task runs, if a runner started it.
    @TaskLocal public static var current: AttemptControl?

    private struct State {
        var gracefulStop: (@Sendable () -> Void)?
        var cancelTask: (@Sendable () -> Void)?
        var stopRequested = false
        var forced = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the runner asked this attempt to stop (its execution was cancelled).
    public var isStopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Registers how the running handler stops gracefully. Runs `stop` at once when the stop was
    /// already requested.
    public func onStopRequest(_ stop: @escaping @Sendable () -> Void) {
        let requested = state.withLock { state in
            state.gracefulStop = stop
            return state.stopRequested
        }
        if requested { stop() }
    }

    /// Ties the attempt's task to the control: ``forceStop()`` cancels it.
    func attach(cancel: @escaping @Sendable () -> Void) {
        let forced = state.withLock { state in
            state.cancelTask = cancel
            return state.forced
        }
        if forced { cancel() }
    }

    /// Asks the handler to stop. - Returns: whether a graceful stop was sent; when not, the
    /// caller stops the attempt with ``forceStop()`` at once.
    func requestStop() -> Bool {
        let stop = state.withLock { state in
            state.stopRequested = true
            return state.gracefulStop
        }
        stop?()
        return stop != nil
    }

    /// Cancels the attempt's task (a command handler's process group gets SIGKILL).
    func forceStop() {
        let cancel = state.withLock { state in
            state.stopRequested = true
            state.forced = true
            return state.cancelTask
        }
        cancel?()
    }
}
