import Foundation
import TestSupport
import Testing

/// The layering of docs/design-notes.md ("The map"), checked on every source file's imports:
/// executables → SkipperCLI → SkipperCommandHandlers → SkipperRuntime → SkipperStore →
/// PGClient → CLibPQ, never back, with each layer's outside dependencies kept to its own.
@Suite("layering")
struct LayeringTests {
    /// What each target may import besides the system's modules.
    static let allowed: [String: Set<String>] = [
        "PGClient": ["CLibPQ", "Logging"],
        "SkipperStore": ["PGClient", "CBuildInfo", "Logging"],
        "SkipperRuntime": ["SkipperStore", "Logging", "Metrics", "ServiceLifecycle", "Tracing"],
        "SkipperCommandHandlers": ["SkipperRuntime", "SkipperStore", "Logging", "Subprocess", "SystemPackage", "Yams"],
        "SkipperCLI": [
            "SkipperCommandHandlers", "SkipperRuntime", "SkipperStore", "ArgumentParser", "Configuration", "SystemPackage",
            "Logging", "Metrics", "Prometheus", "Hummingbird", "ServiceLifecycle", "Tracing", "OTel",
        ],
        "Runner": ["SkipperCLI", "SkipperCommandHandlers", "SkipperRuntime", "SkipperStore", "ArgumentParser", "Logging", "ServiceLifecycle"],
        "CleanupDaemon": ["SkipperCLI", "SkipperRuntime", "SkipperStore", "ArgumentParser", "Logging", "ServiceLifecycle"],
    ]

    /// Modules every target may use.
    static let system: Set<String> = ["Foundation", "Glibc", "Synchronization", "Dispatch"]

    static func imports(of target: String) throws -> [String: Set<String>] {
        let folder = TestEnvironment.repositoryRoot.appendingPathComponent("Sources/\(target)")
        guard let files = FileManager.default.enumerator(atPath: folder.path) else { return [:] }
        var found: [String: Set<String>] = [:]
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index <= 1, index + 1 < words.count else { continue }
                found[file, default: []].insert(String(words[index + 1]))
            }
        }
        return found
    }

    @Test(arguments: allowed.keys.sorted())
    func importsOnlyTheLayersBelow(target: String) throws {
        let allowed = Self.allowed[target, default: []].union(Self.system)
        let files = try Self.imports(of: target)
        #expect(!files.isEmpty, "no Swift files found in Sources/\(target)")
        for (file, modules) in files {
            let foreign = modules.subtracting(allowed)
            #expect(foreign.isEmpty, "Sources/\(target)/\(file) imports \(foreign.sorted())")
        }
    }

    @Test func onlyTheStoreImportsPGClient() throws {
        for target in Self.allowed.keys where target != "SkipperStore" && target != "PGClient" {
            for (file, modules) in try Self.imports(of: target) {
                #expect(!modules.contains("PGClient"), "Sources/\(target)/\(file) imports PGClient")
            }
        }
    }

    @Test func everyTargetIsChecked() throws {
        let sources = try FileManager.default.contentsOfDirectory(atPath: TestEnvironment.repositoryRoot.appendingPathComponent("Sources").path)
        let swiftTargets = try sources.filter { try !Self.imports(of: $0).isEmpty }
        #expect(Set(swiftTargets) == Set(Self.allowed.keys))
    }
}
