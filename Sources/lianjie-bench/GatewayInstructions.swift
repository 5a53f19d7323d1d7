import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// The gateway's own work in instructions per call, as valgrind's callgrind counts them:
/// the same for the same binary and requests whatever else the machine is doing, where
/// the latencies of `gateway` move by tens of µs between runs on a busy machine. The
/// gateway and the libmicrohttpd floor each run under callgrind in a process of their own
/// in front of the bench's server (which runs as usual), and answer the same WhoAmI calls
/// one at a time on a keep-alive connection, counted after a warm-up. Both counts include
/// libmicrohttpd's own work, and valgrind counts each byte of its per-request `memset` of
/// the connection's memory pool as an instruction (about 98,000 per call); the difference
/// is what the gateway does beyond the floor.
struct GatewayInstructionsResult {
    var calls: Int
    /// How the gateway and the floor reached lianjied: "unix" (its gateway socket) or "tcp".
    var upstream: String
    /// Instructions per call in the gateway's process, and in the floor's.
    var gateway: Double
    var floor: Double
    var own: Double { gateway - floor }

    var json: JSONValue {
        .object([("calls", .number(String(calls))), ("upstream", .string(upstream)), ("gatewayInstructionsPerCall", JSONValue(floating: gateway.rounded())),
                 ("floorInstructionsPerCall", JSONValue(floating: floor.rounded())),
                 ("ownInstructionsPerCall", JSONValue(floating: own.rounded()))])
    }

    var line: String {
        "gateway instructions (UserService/WhoAmI as JSON, 1x1 keep-alive, \(calls) calls counted by callgrind, upstream over \(upstream == "unix" ? "the gateway socket" : "TCP"))\n"
            + "  gateway \(fmt(gateway, 0)) instructions/call; libmicrohttpd floor \(fmt(floor, 0)); the gateway's own work \(fmt(own, 0)) beyond the floor"
    }
}

func runGatewayInstructions(_ o: Options) throws -> GatewayInstructionsResult {
    let valgrind = try tool("valgrind", package: "valgrind"), control = try tool("callgrind_control", package: "valgrind")
    let objcopy = try tool("objcopy", package: "binutils")
    let dir = NSTemporaryDirectory() + "lianjie-bench-callgrind-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Debian 12's valgrind cannot read the DWARF 5 debug information this toolchain writes
    // ("possibly corrupted debuginfo file"): callgrind runs a copy without it, symbols kept.
    let binary = dir + "/lianjie-bench"
    try runTool([objcopy, "--strip-debug", URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path, binary])
    progress("starting a server…")
    let server = try makeServer(o, gatewaySocket: true)
    defer { server.stop() }
    let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
    let token = try blockingLogin(client)
    client.close()
    let request = whoAmIRequest(token: token)
    let calls = max(100, o.calls)

    func instructionsPerCall(floor: Bool) throws -> Double {
        let what = floor ? "the libmicrohttpd floor" : "the gateway"
        let out = dir + (floor ? "/floor.callgrind" : "/gateway.callgrind")
        progress("starting \(what) under callgrind (it takes a while to start)…")
        // Over the server's gateway socket when it has one, as the gateway runs beside lianjied.
        let unix = server.gatewaySocket != nil, tool = [valgrind, "--tool=callgrind", "--callgrind-out-file=" + out, binary]
        let measured = floor ? try GatewayUnderTest(floorFor: server, unix: unix, command: tool)
            : try GatewayUnderTest(server: server, unix: unix, command: tool)
        defer { measured.stop() }
        let fd = try connectTCP(host: "127.0.0.1", port: measured.port)
        defer { close(fd) }
        progress("\(what): \(calls / 10) calls to warm up, then \(calls) counted…")
        try callOneByOne(fd, request, count: calls / 10)
        try runTool([control, "--zero", "\(measured.pid)"])
        try callOneByOne(fd, request, count: calls)
        try runTool([control, "--dump", "\(measured.pid)"])
        guard let text = try? String(contentsOfFile: out + ".1", encoding: .utf8),
              let total = text.split(separator: "\n").reversed().lazy.compactMap({ line -> Double? in
                  guard line.hasPrefix("totals: ") || line.hasPrefix("summary: ") else { return nil }
                  return Double(line.split(separator: " ")[1])
              }).first
        else { throw BenchError("callgrind wrote no count for \(what) (\(out).1)") }
        return total / Double(calls)
    }
    return GatewayInstructionsResult(calls: calls, upstream: server.gatewaySocket == nil ? "tcp" : "unix",
                                     gateway: try instructionsPerCall(floor: false), floor: try instructionsPerCall(floor: true))
}

/// Sends `request` `count` times, each after the answer to the one before; throws on
/// anything but a 200.
private func callOneByOne(_ fd: Int32, _ request: [UInt8], count: Int) throws {
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    for _ in 0..<count {
        guard writeAll(fd, request) else { throw BenchError("the connection closed") }
        buffer.removeAll(keepingCapacity: true)
        while true {
            if let (_, ok) = HTTPDriver.reply(buffer, from: 0) {
                guard ok else { throw BenchError("a call was not answered 200: \(String(decoding: buffer.prefix(200), as: UTF8.self))") }
                break
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw BenchError("the connection closed") }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}

/// The path of `name` on PATH, or an error naming the Debian package that has it.
private func tool(_ name: String, package: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw BenchError("\(name) is not installed (Debian's \(package): apt-get install \(package))")
}

/// Runs a command to its end; throws when it fails.
private func runTool(_ command: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: command[0])
    p.arguments = Array(command.dropFirst())
    p.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    p.standardError = errors
    try p.run()
    let said = errors.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw BenchError("\(command.joined(separator: " ")) failed: \(String(decoding: said, as: UTF8.self))")
    }
}
