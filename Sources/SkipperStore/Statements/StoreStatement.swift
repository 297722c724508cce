/// A statement the store prepares: one name bound to one text (PGClient refuses a name prepared
/// for a different text, so two statements can never share a name silently).
package struct StoreStatement: Sendable {
    /// The prepared statement's name on each connection.
    package let name: String
    /// Its SQL.
    package let text: String

    package init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
    }
}
