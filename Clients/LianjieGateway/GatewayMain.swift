import Foundation
import LianjieRPC

/// The whole of `lianjie-gateway`: options, the gateway, signals, stop. A library so
/// `lianjie-bench` can run the very same gateway.
public enum GatewayMain {
    /// Runs the gateway with `arguments` (without the program name); never returns.
    public static func main(_ arguments: [String], programName: String = "lianjie-gateway") -> Never {
        func fail(_ message: String, code: Int32) -> Never {
            FileHandle.standardError.write(Data("\(programName): \(message)\n".utf8))
            exit(code)
        }
        signal(SIGPIPE, SIG_IGN)
        let parsed: (GatewayConfiguration, action: String?)
        do { parsed = try GatewayConfiguration.parse(arguments) } catch {
            fail("\(error)\nRun \(programName) --help for the options.", code: 2)
        }
        switch parsed.action {
        case "help": print(GatewayConfiguration.usage); exit(0)
        case "version": print("lianjie-gateway \(GatewayConfiguration.version)"); exit(0)
        default: break
        }
        let configuration = parsed.0
        do { try configuration.validate() } catch { fail(error.description, code: 2) }
        let logger = Logger(level: configuration.logLevel)
        let gateway: Gateway
        do { gateway = try Gateway(configuration: configuration, logger: logger) } catch { fail("\(error)", code: 1) }
        let scheme = gateway.tls ? "https" : "http"
        logger.notice("serving", ["address": .text("\(scheme)://\(Endpoint(host: configuration.http.endpoint.host, port: gateway.port))"),
                                  "server": .text(configuration.server.description), "version": .text(GatewayConfiguration.version),
                                  "sign_in_from_messaging_app": .text(configuration.platform == nil ? "off" : "on"),
                                  "notifications": .text(configuration.webhook == nil ? "off" : "on")])
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let stop = DispatchSemaphore(value: 0)
        let signals = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { stop.signal() }
            s.resume()
            return s
        }
        stop.wait()
        logger.notice("stopping", [:])
        gateway.stop()
        withExtendedLifetime(signals) {}
        exit(0)
    }
}
