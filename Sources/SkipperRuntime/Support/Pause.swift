import ServiceLifecycle

/// Waits `interval` between two rounds of a periodic service, ending early when graceful
/// shutdown begins or the task is cancelled.
/// - Returns: whether the service should run another round.
func pauseBetweenRounds(_ interval: Duration) async -> Bool {
    do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        return true
    } catch {
        return false
    }
}
