import Foundation
import Yams

/// A runner's YAML file (the handlers file, the schedules file): where it is, what it is called
/// in messages, and the shape both share — one top-level key whose value maps names to entries.
struct YAMLFile {
    /// `handlers file`, `schedules file`.
    let kind: String
    let path: String

    /// An error about this file.
    func fail(_ reason: String) -> YAMLFileError {
        YAMLFileError(kind: kind, path: path, reason: reason)
    }

    /// The file's text.
    func text() throws(YAMLFileError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw fail("cannot be read (\(error.localizedDescription))")
        }
    }

    /// The mapping under `key`, the document's only top-level key (`entries` names what it maps).
    func section(_ key: String, in text: String, entries: String) throws(YAMLFileError) -> Node.Mapping {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw fail("is not valid YAML: \(error)")
        }
        guard let root, let top = root.mapping else { throw fail("must be a mapping with a '\(key)' key") }
        for other in top.keys where other.string != key {
            throw fail("unknown top-level key '\(other.string ?? "?")' (allowed: \(key))")
        }
        guard let section = top[key]?.mapping else { throw fail("'\(key)' must be a mapping of \(entries)") }
        return section
    }
}

/// A handlers or schedules file that could not be used, with where and why.
public struct YAMLFileError: Error, CustomStringConvertible, Sendable {
    /// `handlers file` or `schedules file`.
    public var kind: String
    public var path: String
    public var reason: String
    public var description: String { "\(kind) \(path): \(reason)" }
}
