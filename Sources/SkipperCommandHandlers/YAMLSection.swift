import Foundation
import Yams

/// The shape both YAML files of a runner share (handlers, schedules): one top-level key whose
/// value is a mapping of names to entries. Its errors are reasons; each file adds its path.
enum YAMLSection {
    /// Why a file could not be read or does not have that shape.
    struct Problem: Error {
        var reason: String
    }

    /// A file's text.
    static func text(ofFile path: String) throws(Problem) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// The mapping under `key`, the document's only top-level key (`entries` names what it maps).
    static func mapping(_ key: String, in text: String, entries: String) throws(Problem) -> Node.Mapping {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Problem(reason: "is not valid YAML: \(error)")
        }
        guard let root, let top = root.mapping else { throw Problem(reason: "must be a mapping with a '\(key)' key") }
        for other in top.keys where other.string != key {
            throw Problem(reason: "unknown top-level key '\(other.string ?? "?")' (allowed: \(key))")
        }
        guard let section = top[key]?.mapping else { throw Problem(reason: "'\(key)' must be a mapping of \(entries)") }
        return section
    }
}
