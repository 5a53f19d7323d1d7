// swift-tools-version:6.0
// The module list is the architecture, lowest layer first:
//   C shims  ←  generated messages  ←  wire framing (pure)  ←  RPC transport  ←
//   store / security  ←  services  ←  executables.
// The scoring core (a later module) depends on nothing but the standard library.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "lianjie",
    products: [
        .executable(name: "lianjied", targets: ["lianjied"]),
        .executable(name: "lianjie", targets: ["lianjie"]),
        .executable(name: "lianjie-bench", targets: ["lianjie-bench"]),
        .executable(name: "lianjie-protogen", targets: ["lianjie-protogen"]),
        .executable(name: "lianjie-gateway", targets: ["lianjie-gateway"]),
    ],
    targets: [
        // MARK: C shims (system libraries from Debian)
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt",
                       providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        /// The gateway's HTTP server (HTTPS through its GnuTLS build).
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),

        /// epoll and eventfd, which Swift's Glibc module does not import.
        .target(name: "CLianjieSys"),

        // MARK: The scoring core (standard library; Foundation only to read scheme files)
        /// Multi-dimensional integrity scores, grades, veto and exact breakdowns.
        .target(name: "LianjieScoring", resources: [.copy("Resources/default-scheme.json")],
                swiftSettings: strict),

        // MARK: Generated code (Proto/generate.sh)
        /// The C structs and descriptors protoc-c writes for every `.proto` file.
        .target(name: "CLianjieProto", dependencies: ["CProtobufC"]),
        /// Swift value types, JSON and method descriptors for every message and RPC.
        .target(name: "LianjieMessages", dependencies: ["CLianjieProto", "CProtobufC"], swiftSettings: strict),
        /// Reads a FileDescriptorSet and writes the Swift layer above.
        .executableTarget(name: "lianjie-protogen", swiftSettings: strict),

        // MARK: Wire and transport
        /// LJRP/1 frames: a pure incremental decoder and an encoder, no I/O.
        .target(name: "LianjieWire", swiftSettings: strict),
        /// What client and server share: errors, endpoints and sockets, the logger, the clock.
        .target(name: "LianjieRPC", dependencies: ["LianjieWire", "LianjieMessages"], swiftSettings: strict),
        /// The RPC server: epoll event loops, connections, the router, the worker pools.
        .target(name: "LianjieRPCServer", dependencies: ["LianjieRPC", "LianjieWire", "LianjieMessages", "CLianjieSys"],
                swiftSettings: strict),
        /// The async client and typed stubs for every service (generated); no server code.
        .target(name: "LianjieClient", dependencies: ["LianjieRPC", "LianjieWire", "LianjieMessages"],
                swiftSettings: strict),

        /// The scoring core's enums (grade, dimension, polarity) and their wire forms.
        .target(name: "LianjieScoringMessages", dependencies: ["LianjieScoring", "LianjieMessages"], swiftSettings: strict),

        // MARK: Reports (no I/O; shared by the CLI and the mobile gateway)
        /// Integrity portraits and organisation statistics as self-contained HTML with SVG charts (pure, no I/O).
        .target(name: "LianjieReports", dependencies: ["LianjieScoring", "LianjieMessages", "LianjieScoringMessages"], swiftSettings: strict),

        // MARK: State and security
        /// The storage seam (`Store`) and its embedded SQLite implementation.
        .target(name: "LianjieStore", dependencies: ["CSQLite"], swiftSettings: strict),
        /// Password hashing (yescrypt), token generation and digests.
        .target(name: "LianjieSecurity", dependencies: ["CCrypt", "COpenSSL"],
                exclude: ["Resources/make-common-passwords.py"],
                resources: [.copy("Resources/common-passwords.txt")],
                swiftSettings: strict),

        // MARK: Services and executables
        /// What every service module is built on: the call context, the handler registry with
        /// its access table, authentication and its caller cache, the keyed audit log,
        /// idempotency, paging, validation, the clock, and the health service.
        .target(name: "LianjieServiceKit",
                dependencies: ["LianjieRPC", "LianjieRPCServer", "LianjieWire", "LianjieMessages", "LianjieStore", "LianjieSecurity",
                               "LianjieScoring", "LianjieScoringMessages"],
                swiftSettings: strict),
        /// User management (`UserService`): sessions, organisations, accounts, API tokens,
        /// subjects, imports, the audit log's reading and anchoring.
        .target(name: "LianjieUsers",
                dependencies: ["LianjieServiceKit", "LianjieRPC", "LianjieRPCServer", "LianjieWire", "LianjieMessages",
                               "LianjieStore", "LianjieSecurity", "LianjieScoring"],
                swiftSettings: strict),
        /// Data entry (`EntryService`): the versioned scheme, entries with review and appeal,
        /// evidence, work orders and the rules that derive entries from them.
        .target(name: "LianjieEntry",
                dependencies: ["LianjieServiceKit", "LianjieRPC", "LianjieRPCServer", "LianjieMessages", "LianjieStore",
                               "LianjieSecurity", "LianjieScoring", "LianjieScoringMessages"],
                swiftSettings: strict),
        /// Evaluation analysis (`EvaluationService`): runs with reproducible results, what-if,
        /// portraits, statistics, alerts and the notification outbox.
        .target(name: "LianjieEvaluation",
                dependencies: ["LianjieServiceKit", "LianjieRPC", "LianjieRPCServer", "LianjieMessages", "LianjieStore",
                               "LianjieSecurity", "LianjieScoring", "LianjieScoringMessages"],
                swiftSettings: strict),
        /// Result use (`ResultUseService`): cases in a closed loop under the four forms, talks
        /// and notices the employee acknowledges, the daily overdue check.
        .target(name: "LianjieResultUse",
                dependencies: ["LianjieServiceKit", "LianjieRPC", "LianjieRPCServer", "LianjieMessages", "LianjieStore", "LianjieScoring", "LianjieScoringMessages", "LianjieSecurity"],
                swiftSettings: strict),
        /// Notifications (`NotificationService`): the outbox's delivery by the mobile gateway,
        /// with retries, dead letters and an admin's retry.
        .target(name: "LianjieNotifications",
                dependencies: ["LianjieServiceKit", "LianjieRPC", "LianjieRPCServer", "LianjieMessages", "LianjieStore"],
                swiftSettings: strict),
        /// Every service module on one router: the composition the server runs.
        .target(name: "LianjieServices",
                dependencies: ["LianjieServiceKit", "LianjieUsers", "LianjieEntry", "LianjieEvaluation", "LianjieResultUse", "LianjieNotifications",
                               "LianjieRPC", "LianjieRPCServer",
                               "LianjieMessages", "LianjieStore", "LianjieSecurity"],
                swiftSettings: strict),
        /// What goes into a store besides the services: the first administrator, the demo.
        .target(name: "LianjieSeed",
                dependencies: ["LianjieServiceKit", "LianjieEntry", "LianjieEvaluation", "LianjieResultUse", "LianjieRPC", "LianjieMessages", "LianjieStore",
                               "LianjieSecurity",
                               "LianjieScoring"],
                swiftSettings: strict),
        /// The server process: options, store, bootstrap, signals, drain.
        .target(name: "LianjieDaemon",
                dependencies: ["LianjieServices", "LianjieServiceKit", "LianjieSeed", "LianjieEntry", "LianjieStore", "LianjieRPC", "LianjieRPCServer",
                               "CLianjieSys"],
                swiftSettings: strict),
        .executableTarget(name: "lianjied", dependencies: ["LianjieDaemon"],
                          swiftSettings: strict),
        .executableTarget(name: "lianjie", dependencies: ["LianjieClient", "LianjieRPC", "LianjieMessages", "LianjieWire", "LianjieScoring", "LianjieSecurity",
                                                          "LianjieReports"],
                          path: "Clients/lianjie", swiftSettings: strict),
        /// The mobile gateway: HTTP/JSON onto every RPC, the mobile pages, sign-in from the
        /// messaging app and notifications out; a client of lianjied like the CLI.
        .target(name: "LianjieGateway",
                dependencies: ["CMicroHTTPD", "LianjieClient", "LianjieRPC", "LianjieWire", "LianjieMessages", "LianjieReports",
                               "LianjieScoring", "LianjieScoringMessages", "LianjieSecurity"],
                path: "Clients/LianjieGateway", swiftSettings: strict),
        .executableTarget(name: "lianjie-gateway", dependencies: ["LianjieGateway"],
                          path: "Clients/lianjie-gateway", swiftSettings: strict),
        /// The floor under the gateway that lianjie-bench measures it against: libmicrohttpd
        /// and one upstream LJRP call per request, in C, nothing else.
        .target(name: "CGatewayFloor", dependencies: ["CMicroHTTPD"]),
        .executableTarget(name: "lianjie-bench",
                          dependencies: ["CGatewayFloor", "LianjieClient", "LianjieRPC", "LianjieWire", "LianjieDaemon", "LianjieScoring",
                                         "LianjieTestSupport", "LianjieMessages", "LianjieStore", "CSQLite", "LianjieGateway"],
                          swiftSettings: strict),

        /// Helpers for tests and the bench: a raw LJRP connection, a real lianjied process, /proc
        /// stats, waiting on events, and random well-formed requests for every method.
        .target(name: "LianjieTestSupport", dependencies: ["LianjieWire", "LianjieMessages", "LianjieRPC", "CLianjieProto", "CProtobufC"],
                swiftSettings: strict),

        /// XCTest helpers every test target shares: RPC error assertions, waiting on events,
        /// pages rendered and measured in headless Chromium.
        .target(name: "LianjieXCTestSupport", dependencies: ["LianjieRPC", "LianjieWire", "LianjieMessages", "LianjieTestSupport"],
                path: "Tests/Support", swiftSettings: strict),

        /// The demo deployment served in a test process: a temporary store, a test clock, the
        /// real router and server, clients logged in as its accounts.
        .target(name: "LianjieServiceTestSupport",
                dependencies: ["LianjieServices", "LianjieServiceKit", "LianjieSeed", "LianjieStore", "LianjieRPC", "LianjieRPCServer",
                               "LianjieClient", "LianjieMessages"],
                path: "Tests/ServiceSupport", swiftSettings: strict),

        // MARK: Tests
        .testTarget(name: "LianjieScoringTests", dependencies: ["LianjieScoring"], swiftSettings: strict),
        .testTarget(name: "LianjieReportsTests", dependencies: ["LianjieReports", "LianjieScoring", "LianjieXCTestSupport"], swiftSettings: strict),
        .testTarget(name: "LianjieMessagesTests", dependencies: ["LianjieMessages"],
                    swiftSettings: strict),
        .testTarget(name: "LianjieWireTests", dependencies: ["LianjieWire", "LianjieMessages"],
                    swiftSettings: strict),
        .testTarget(name: "LianjieStoreTests", dependencies: ["LianjieStore", "CSQLite"],
                    swiftSettings: strict),
        .testTarget(name: "LianjieSecurityTests", dependencies: ["LianjieSecurity"],
                    swiftSettings: strict),
        .testTarget(name: "LianjieRPCTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieRPC", "LianjieRPCServer", "LianjieClient", "LianjieWire", "LianjieMessages",
                                   "LianjieTestSupport", "CLianjieSys"],
                    swiftSettings: strict),
        /// The kit without a server: audit chain, caller cache, idempotency, clock.
        .testTarget(name: "LianjieServiceKitTests",
                    dependencies: ["LianjieServiceKit", "LianjieStore", "LianjieRPC", "LianjieRPCServer", "LianjieMessages",
                                   "LianjieSecurity"],
                    swiftSettings: strict),
        /// User management in process: the real router and server on a temporary store and
        /// a test clock, with the demo deployment.
        .testTarget(name: "LianjieUsersTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieServiceTestSupport", "LianjieServices", "LianjieServiceKit", "LianjieUsers",
                                   "LianjieSeed", "LianjieStore",
                                   "LianjieRPC", "LianjieRPCServer", "LianjieClient", "LianjieMessages", "LianjieWire",
                                   "LianjieSecurity", "LianjieTestSupport", "CLianjieProto", "CProtobufC"],
                    swiftSettings: strict),
        /// Data entry in process: scheme versions, entries, review and appeal, evidence, work
        /// orders and rules, over the real router and server on a temporary store.
        .testTarget(name: "LianjieEntryTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieServiceTestSupport", "LianjieEntry", "LianjieServiceKit", "LianjieStore",
                                   "LianjieScoring", "LianjieClient", "LianjieMessages", "LianjieRPC", "LianjieSeed", "LianjieSecurity"],
                    swiftSettings: strict),
        /// Evaluation analysis in process: runs, publish and supersede, verify, what-if,
        /// portraits, statistics, alerts and the outbox, over the demo history.
        .testTarget(name: "LianjieEvaluationTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieServiceTestSupport", "LianjieEvaluation", "LianjieServiceKit", "LianjieStore",
                                   "LianjieScoring", "LianjieClient", "LianjieMessages", "LianjieRPC", "LianjieReports"],
                    swiftSettings: strict),
        .testTarget(name: "LianjieResultUseTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieServiceTestSupport", "LianjieResultUse", "LianjieServiceKit", "LianjieStore",
                                   "LianjieClient", "LianjieMessages", "LianjieRPC", "LianjieSecurity", "LianjieReports"],
                    swiftSettings: strict),
        /// The outbox's delivery: claims, attempts, dead letters, who may drain and keep.
        .testTarget(name: "LianjieNotificationsTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieServiceTestSupport", "LianjieNotifications", "LianjieServiceKit", "LianjieStore",
                                   "LianjieClient", "LianjieMessages", "LianjieRPC"],
                    swiftSettings: strict),
        /// The gateway in front of the in-process demo deployment: the JSON API, pages, sign-in
        /// from the messaging app, notifications out.
        .testTarget(name: "LianjieGatewayTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieServiceTestSupport", "LianjieGateway", "LianjieServices", "LianjieStore",
                                   "LianjieClient", "LianjieMessages", "LianjieRPC", "LianjieRPCServer", "LianjieWire", "LianjieTestSupport",
                                   "LianjieSecurity"],
                    exclude: ["Browser/cdp.py"],
                    swiftSettings: strict),
        .testTarget(name: "EndToEndTests",
                    dependencies: ["LianjieXCTestSupport", "LianjieClient", "LianjieRPC", "LianjieWire", "LianjieMessages", "LianjieTestSupport",
                                   "LianjieSecurity"],
                    exclude: ["authorization-matrix.txt"],
                    swiftSettings: strict),
    ]
)
