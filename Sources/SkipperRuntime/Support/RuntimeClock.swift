/// The time the runtime's decisions read (heartbeat silence, presuming itself dead, when to
/// check for stranded claims). Waiting still uses the real clock; a test shifts this one to
/// make an hour pass at once.
public protocol RuntimeClock: Sendable {
    /// Now.
    var now: ContinuousClock.Instant { get }
}

/// The real clock.
public struct SystemClock: RuntimeClock {
    public init() {}
    public var now: ContinuousClock.Instant { .now }
}
