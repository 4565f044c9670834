// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pedidos",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PedidosCore", targets: ["PedidosCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PedidosCoreTests",
            dependencies: ["PedidosCore"]
        ),
    ]
)
