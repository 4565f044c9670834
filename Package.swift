// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pedidos",
    platforms: [.macOS(.v15)],
    products: [
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

        // Small building blocks shared by the clients and the services: blocking calls off the cooperative
        // pool, the wake signal, a task executor on one event loop (NIOCore, its only dependency), Duration
        // conversions, ISO-8601 timestamp text.
        .target(name: "PedidosSupport", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),

        // Clients of the three C libraries; each keeps its C module out of its public API.
        .target(name: "PedidosKafka", dependencies: [
            "CRDKafka", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "PedidosPostgres", dependencies: [
            "CLibPQ", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "PedidosSMTP", dependencies: [
            "CCurl", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // The domain: Pedido, Estado, Precio, the order's field rules, the JSON value and parser, topics.
        .target(name: "PedidosDomain"),

        // What every service shares: environment, observability, problem details, operational routes,
        // topic guard and the Kafka form of an order.
        .target(name: "PedidosServiceKit", dependencies: [
            "PedidosDomain", "PedidosKafka", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),

        // One library per service: its application builder, controllers, workers and repositories.
        .target(name: "SolicitudesService", dependencies: [
            "PedidosServiceKit", "PedidosDomain", "PedidosKafka", "PedidosPostgres", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .target(name: "ProcesamientoService", dependencies: [
            "PedidosServiceKit", "PedidosDomain", "PedidosKafka", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .target(name: "NotificacionesService", dependencies: [
            "PedidosServiceKit", "PedidosDomain", "PedidosKafka", "PedidosPostgres", "PedidosSMTP", "PedidosSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),

        // Thin executables: parse flags, build the service group, run it.
        .executableTarget(name: "solicitudes", dependencies: [
            "SolicitudesService", "PedidosServiceKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(name: "procesamiento", dependencies: [
            "ProcesamientoService", "PedidosServiceKit", "PedidosDomain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(name: "notificaciones", dependencies: [
            "NotificacionesService", "PedidosServiceKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),

        // Load generator: open-loop HTTP client, read-back of every order, results files.
        .target(name: "PedidosCarga", dependencies: [
            "PedidosDomain", "PedidosPostgres",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "carga", dependencies: [
            "PedidosCarga", "PedidosServiceKit", "PedidosKafka", "PedidosDomain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(
            name: "PedidosTests",
            dependencies: [
                "PedidosSupport", "PedidosKafka", "PedidosPostgres", "PedidosSMTP", "PedidosDomain", "PedidosServiceKit",
                "SolicitudesService", "ProcesamientoService", "NotificacionesService", "PedidosCarga",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
