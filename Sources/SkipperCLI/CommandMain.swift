import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Runs a root command the way both executables need: SIGPIPE ignored (a handler that exits
/// without reading its stdin must not kill the runner), then parse, run, and exit with the
/// command's exit code.
public func runRootCommand<Command: ParsableCommand>(_ command: Command.Type) async {
    signal(SIGPIPE, SIG_IGN)
    do {
        var parsed = try command.parseAsRoot()
        if var asyncCommand = parsed as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try parsed.run()
        }
    } catch {
        command.exit(withError: error)
    }
}
