// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "skipper",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PGClient", targets: ["PGClient"]),
        // For Swift programs: enqueue from their own transactions, run in-process handlers.
        .library(name: "Skipper", targets: ["SkipperStore", "SkipperRuntime"]),
        .executable(name: "runner", targets: ["Runner"]),
        .executable(name: "cleanup-daemon", targets: ["CleanupDaemon"]),
        .executable(name: "skipper-handler-guard", targets: ["HandlerGuard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would add grpc-swift and its HTTP/2 transport to every build.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "PGClient",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The git commit scripts/package builds from (`runner --version`).
        .target(name: "CBuildInfo"),
        // The layers, each depending only on the ones below it (LayeringTests checks the imports):
        // executables → SkipperCLI → SkipperCommandHandlers → SkipperRuntime → SkipperStore → PGClient → CLibPQ.
        //
        // Every SQL statement, the migrations, the SQL API and the models of what they read and
        // write; the only target that imports PGClient.
        .target(
            name: "SkipperStore",
            dependencies: [
                "PGClient",
                "CBuildInfo",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("SQL"),
            ]
        ),
        // What runs: the worker (claim loop, attempts, outcome writer, heartbeat, listener), the
        // reaper, the handler protocol, and every log status and metric name.
        .target(
            name: "SkipperRuntime",
            dependencies: [
                "SkipperStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Handlers that run a program per attempt, from a YAML handlers file.
        .target(
            name: "SkipperCommandHandlers",
            dependencies: [
                "SkipperRuntime",
                "SkipperStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // What both executables share: settings, log formatting, the HTTP endpoint, systemd notification.
        .target(
            name: "SkipperCLI",
            dependencies: [
                "SkipperRuntime",
                "SkipperCommandHandlers",
                "SkipperStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        ),
        .executableTarget(
            name: "Runner",
            dependencies: [
                "SkipperCLI",
                "SkipperCommandHandlers",
                "SkipperRuntime",
                "SkipperStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "CleanupDaemon",
            dependencies: [
                "SkipperCLI",
                "SkipperCommandHandlers",
                "SkipperRuntime",
                "SkipperStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // C: it starts every command handler, so it must start fast and bring no runtime.
        .executableTarget(name: "HandlerGuard"),
        .target(
            name: "TestSupport",
            dependencies: [
                "SkipperStore", "PGClient", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "PGClientTests",
            dependencies: ["PGClient", "TestSupport"]
        ),
        .testTarget(
            name: "SkipperTests",
            dependencies: [
                "SkipperStore", "SkipperRuntime", "SkipperCommandHandlers", "SkipperCLI", "PGClient", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
    ]
)
