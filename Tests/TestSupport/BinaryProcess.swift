import Foundation

/// A real `runner` or `cleanup-daemon` process started by a test, with its output in a file.
public final class BinaryProcess: @unchecked Sendable {
    // @unchecked: `process` is only driven from the test task that owns this object.
    public let process: Process
    public let logURL: URL
    public let name: String

    /// Starts `binary` (a name in the bin folder) with arguments and environment additions.
    /// The environment is the test's own minus DATABASE_URL, plus `environment`.
    public init(_ binary: String, _ arguments: [String], environment: [String: String], stdin: String? = nil) throws {
        name = binary
        let process = Process()
        process.executableURL = try TestEnvironment.binDirectory().appendingPathComponent(binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("skipper-\(binary)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(stdin.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        self.process = process
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    public var pid: Int32 { process.processIdentifier }

    /// Sends a signal.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit, at most `timeout`; kills it (and returns nil) after that.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Everything the process printed so far.
    public var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// Waits until the output contains `text`.
    public func waitForOutput(_ text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return output.contains(text)
    }

    /// Runs a binary to the end and returns its exit status and output.
    public static func run(_ binary: String, _ arguments: [String], environment: [String: String], stdin: String? = nil,
                           timeout: Duration = .seconds(60)) async throws -> (status: Int32?, output: String) {
        let process = try BinaryProcess(binary, arguments, environment: environment, stdin: stdin)
        let status = await process.waitForExit(timeout: timeout)
        return (status, process.output)
    }
}

/// A scratch folder with handler scripts for a test.
public struct HandlerScripts: Sendable {
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("skipper-handlers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes an executable `/bin/sh` script and returns its path.
    @discardableResult
    public func script(_ name: String, _ body: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    /// Writes a handlers file from (job type, command, timeout) entries and returns its path.
    public func handlersFile(_ entries: [(jobType: String, command: [String], timeout: String?)]) throws -> String {
        var text = "handlers:\n"
        for entry in entries {
            text += "  \(entry.jobType):\n"
            text += "    command: [\(entry.command.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            if let timeout = entry.timeout { text += "    timeout: \(timeout)\n" }
        }
        let url = directory.appendingPathComponent("handlers-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A file in the folder.
    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
