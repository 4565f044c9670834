// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pedidos",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PedidosCore", targets: ["PedidosCore"]),
        .executable(name: "solicitudes", targets: ["solicitudes"]),
        .executable(name: "procesamiento", targets: ["procesamiento"]),
        .executable(name: "notificaciones", targets: ["notificaciones"]),
        .executable(name: "carga", targets: ["carga"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // C libraries, found through pkg-config. librdkafka comes from .deps/ (scripts/bootstrap.sh).
        .systemLibrary(name: "CRDKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // The core library: domain, C wrappers (Kafka, PostgreSQL, SMTP) and service builders.
        .target(
            name: "PedidosCore",
            dependencies: [
                "CRDKafka", "CLibPQ", "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // Thin executables: parse flags, build the service group, run it.
        .executableTarget(name: "solicitudes", dependencies: [
            "PedidosCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "procesamiento", dependencies: [
            "PedidosCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "notificaciones", dependencies: [
            "PedidosCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Load generator: open-loop HTTP client, read-back of every order, results files.
        .target(name: "PedidosCarga", dependencies: [
            "PedidosCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "carga", dependencies: [
            "PedidosCarga", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(
            name: "PedidosCoreTests",
            dependencies: [
                "PedidosCore", "PedidosCarga",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
