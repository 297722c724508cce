#if canImport(Glibc)
import Glibc
#endif

/// Where `skipper-handler-guard` is installed: the small program every command handler is
/// started through, so that handlers die with their runner (Sources/HandlerGuard/main.c says
/// how and why).
///
/// It is built and installed beside `runner` (`swift build` puts both in one folder); a runner
/// with command handlers and no guard refuses to start rather than run handlers unguarded.
public enum HandlerGuard {
    /// The guard's file name.
    public static let executableName = "skipper-handler-guard"

    /// The guard beside the running executable, or nil when there is none.
    public static func locate() -> String? {
        guard let executable = runningExecutablePath() else { return nil }
        let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let candidate = directory + "/" + executableName
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// The absolute path of this process's executable (`/proc/self/exe`).
    static func runningExecutablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
