/// What a schedule fires for the slots that passed while no scheduler ran.
public enum CatchUp: String, Sendable, CaseIterable {
    /// One execution, for the most recent missed slot (the default).
    case latest
    /// One execution per missed slot, at most 100 (the newest).
    case all
    /// None: the schedule goes on from its next slot.
    case none
}
