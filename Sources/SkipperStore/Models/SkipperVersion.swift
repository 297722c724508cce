import CBuildInfo

/// The version of this build.
public enum SkipperVersion {
    /// Reported in heartbeat rows and `--version`; the Debian package's version.
    public static let current = "0.1.0"
    /// The git commit the binary was built from ("unknown" outside scripts/package).
    public static let commit = String(cString: skipper_git_commit())
    /// What `--version` prints: `0.1.0 (commit 1a2b3c4)`.
    public static var description: String { "\(current) (commit \(commit))" }

    /// Whether dotted `version` is newer than `other`, compared part by part (`0.10.0` is newer
    /// than `0.9.1`; a missing or non-numeric part counts as 0).
    public static func isNewer(_ version: String, than other: String) -> Bool {
        func parts(_ text: String) -> [Int] { text.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 } }
        let (mine, theirs) = (parts(version), parts(other))
        for index in 0..<max(mine.count, theirs.count) {
            let (a, b) = (index < mine.count ? mine[index] : 0, index < theirs.count ? theirs[index] : 0)
            if a != b { return a > b }
        }
        return false
    }
}
