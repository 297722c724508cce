import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the service is doing (`Type=notify`): READY=1 once connected and the schema
/// checked, STOPPING=1 on shutdown, WATCHDOG=1 from the heartbeat loop when `WatchdogSec` is set.
///
/// This is sd_notify's protocol — one datagram to the unix socket named by NOTIFY_SOCKET — in a
/// few lines, so the binaries need no libsystemd. Without NOTIFY_SOCKET every call does nothing.
public struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// How often systemd expects WATCHDOG=1 (half of WATCHDOG_USEC), when the watchdog is on.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if path != nil, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether systemd is listening.
    public var isActive: Bool { socketPath != nil }

    /// Sends one state line (e.g. `READY=1`); failures are ignored, as sd_notify does.
    public func notify(_ state: String) {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
    }
}
