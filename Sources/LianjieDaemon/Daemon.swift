import CLianjieSys
import Foundation
import LianjieEntry
import LianjieRPC
import LianjieRPCServer
import LianjieSeed
import LianjieServiceKit
import LianjieServices
import LianjieStore

/// Raises the soft limit on open files towards `wanted` (each connection is one), up to
/// the hard limit; logs when even that is below what the configuration asks for.
func raiseFileLimit(toAtLeast wanted: Int, logger: Logger) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    let target = min(limit.rlim_max, rlim_t(max(wanted, 0)))
    if limit.rlim_cur < target {
        limit.rlim_cur = target
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    if limit.rlim_max < rlim_t(wanted) {
        logger.warning("the open-file limit is below max_connections", ["limit": .int(Int64(limit.rlim_max)), "wanted": .int(Int64(wanted))])
    }
}

/// Reads `name` from the environment and erases it: removed from `environ`, and its bytes
/// overwritten where the kernel placed them, so `/proc/PID/environ` no longer shows it.
func takeEnvironmentVariable(_ name: String) -> String? {
    let prefix = Array((name + "=").utf8CString.dropLast())
    var cursor = environ
    while let entry = cursor.pointee {
        if strncmp(entry, prefix, prefix.count) == 0 {
            let value = String(cString: entry + prefix.count)
            let length = strlen(entry)
            unsetenv(name)
            memset(entry, 0, length)
            return value
        }
        cursor += 1
    }
    return nil
}

/// The whole of `lianjied`: parse options, open the store, bootstrap, serve until SIGTERM
/// or SIGINT, drain, exit. A library so `lianjie-bench` can run the very same server.
public enum Daemon {
    /// Runs the server with `arguments` (without the program name); never returns.
    public static func main(_ arguments: [String], programName: String = "lianjied") -> Never {
        func fail(_ message: String, code: Int32) -> Never {
            FileHandle.standardError.write(Data("\(programName): \(message)\n".utf8))
            exit(code)
        }

        let parsed: (DaemonOptions, action: String?)
        do { parsed = try DaemonOptions.parse(arguments) } catch {
            fail("\(error)\nRun \(programName) --help for the options.", code: 2)
        }
        let options = parsed.0
        switch parsed.action {
        case "help": print(DaemonOptions.usage); exit(0)
        case "version": print("lianjied \(DaemonOptions.version) (LJRP/1)"); exit(0)
        default: break
        }

        signal(SIGPIPE, SIG_IGN)
        // Request bodies of up to 4 MiB come and go: a fixed threshold keeps every block over
        // 256 KiB in its own mapping, handed back to the system when freed, instead of glibc
        // raising the threshold and keeping freed bodies in its arenas.
        _ = lj_malloc_fix_mmap_threshold(256 * 1024)
        let logger = Logger(level: options.logLevel)
        raiseFileLimit(toAtLeast: options.server.maxConnections + 256, logger: logger)

        let store: SQLiteStore
        do { store = try SQLiteStore(directory: options.dataDirectory, readers: options.readerConnections) } catch {
            logger.error("cannot open the store", ["data_dir": .text(options.dataDirectory), "error": .text(error.message),
                                                   "detail": .text(error.detail)])
            fail("cannot open the store in \(options.dataDirectory): \(error.message)", code: 1)
        }

        // Read once, then gone from the environment: no child or /proc reader sees it later.
        let bootstrapSpec = takeEnvironmentVariable("LIANJIE_BOOTSTRAP_ADMIN").flatMap { $0.isEmpty ? nil : $0 }

        // The audit key: created only with a store that has no keyed entries yet, so a lost
        // key is noticed instead of silently replaced.
        let keyPath = options.auditKeyPath(environment: ProcessInfo.processInfo.environment)
        let audit: AuditLog
        do {
            let keyedEntries = try store.read { r in
                try (r.lastAuditEntry().map { _ in true } ?? false) && r.unkeyedAuditEntryCount() == 0
            }
            // A systemd credential is the service's alone (its directory is private); systemd may
            // grant read access to it through an ACL, so its mode is not held against it.
            let fromCredentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"].map { keyPath.hasPrefix($0) } ?? false
            let key = try AuditKey.load(path: keyPath, create: !keyedEntries, requirePrivateMode: !fromCredentials)
            audit = AuditLog(key: key)
            do {
                let keyed = try audit.keyOlderEntries(store)
                if keyed > 0 { logger.notice("audit log keyed", ["entries": .int(Int64(keyed)), "key_file": .text(keyPath)]) }
            } catch {
                // Keying refused (the old chain is broken): take the new key back, so the next
                // start, once the log is looked into, creates one and tries again.
                if key.isNew { try? FileManager.default.removeItem(atPath: keyPath) }
                throw error
            }
        } catch {
            fail("\(error)", code: 1)
        }

        let settings = options.services
        if options.seedDemo {
            do {
                let administrator = try bootstrapSpec.map(Bootstrap.parse) ?? Demo.defaultAdministrator
                _ = try Demo.seed(store: store, administrator: administrator, audit: audit, clock: settings.clock, logger: logger)
            } catch let refusal as Demo.Refusal {
                fail(refusal.description, code: 2)
            } catch let failure as Bootstrap.Failure {
                fail(failure.description, code: 2)
            } catch {
                fail("cannot seed the demo data: \(error)", code: 1)
            }
        }
        do {
            _ = try Bootstrap.run(store: store, spec: bootstrapSpec, audit: audit, clock: settings.clock, logger: logger)
        } catch {
            fail("\(error)", code: 2)
        }
        do {
            try DefaultScheme.publishIfNone(store: store, audit: audit, clock: settings.clock, logger: logger)
        } catch {
            fail("cannot publish the default scheme: \(error)", code: 1)
        }

        // Signals are taken by a dispatch source, so the default handlers must be off.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let stopSignal = DispatchSemaphore(value: 0)
        let signalQueue = DispatchQueue(label: "lianjied.signals")
        let sources = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: signalQueue)
            s.setEventHandler { stopSignal.signal() }
            s.resume()
            return s
        }

        let serverBox = ServerBox()
        let kit = Services.kit(store: store, settings: settings, audit: audit, logger: logger)
        let router = Services.router(kit: kit, isDraining: { serverBox.server?.isDraining ?? false })
        let server: RPCServer
        do {
            server = try RPCServer(configuration: options.server, router: router, logger: logger)
            serverBox.set(server)
            try server.start()
        } catch {
            fail("\(error)", code: 1)
        }
        logger.notice("ready", ["version": .text(DaemonOptions.version), "data_dir": .text(options.dataDirectory)])
        let background = Services.startBackgroundWork(kit: kit)

        stopSignal.wait()
        logger.notice("stop requested")
        for timer in background { timer.cancel() }
        server.drain(graceSeconds: options.drainGraceSeconds)
        kit.flushAudit()
        withExtendedLifetime(sources) {}
        exit(0)
    }
}
