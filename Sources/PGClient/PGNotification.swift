/// A message delivered by PostgreSQL's `NOTIFY` to a connection that is listening on its channel.
public struct PGNotification: Sendable, Equatable {
    /// The channel name.
    public var channel: String
    /// The payload given to NOTIFY (empty when none).
    public var payload: String
    /// The process id of the notifying backend.
    public var senderPID: Int32
}
