// lianjie: the command-line client for administrators, inspectors and HR.
import Foundation
import LianjieRPC

let usage = """
    lianjie — the Lianjie command-line client

    Usage: lianjie [--server HOST:PORT] [--json] COMMAND [ARGS]

    Commands:
      health [SERVICE]              is the server (or a service) serving?
      login [USERNAME] [--password-stdin]
                                    log in and keep the session token in ~/.config/lianjie (0600)
      logout                        end the session on the server and forget it here
      whoami                        the logged-in account and its roles
      password change               change your own password
      session list | revoke ID      your sessions
      org …                         the organisation tree (list, get, create, rename, move, deactivate)
      account …                     accounts and grants (list, get, create, grant, link-platform, disable, enable,
                                    reset-password)
      token …                       service accounts' API tokens (issue, list, revoke)
      category … | post …           business categories and posts (list, create)
      subject …                     evaluated subjects (list, get, create, update, transfer, history, import FILE.csv);
                                    a subject is named by its employee number or its id
      audit list | verify | anchor  the audit log, its keyed chain, and anchors to keep elsewhere
      scheme …                      the "1+3" tag libraries and coefficients (show, versions, export, check FILE,
                                    draft FILE, diff, publish, discard, tag add|edit|retire)
      entry …                       integrity entries (submit, list, show, confirm, reject, revoke, appeal,
                                    decide-appeal, evidence get)
      workorders …                  business-expansion work orders (import FILE.csv, list, show)
      rules list | run --period P   the work-order rules and what they find
      eval …                        evaluation runs (run, list, show, results, result, publish, verify, cancel)
      portrait SUBJECT [--period P] a subject's integrity portrait (廉洁画像)
      stats ORG --period P          statistics of a subtree (归总统计), --pseudonymised for wide audiences
      alerts …                      alerts (list, show, ack, dismiss, case)
      case …                        cases in the closed loop (list, show, open, assign, dispose, rectify, report,
                                    verify, close, dismiss, reopen, talk)
      talks [ack ID]                talks and notices (an employee: their own, to acknowledge)
      export appraisal --period P   scores, grades and appraisal caps for performance appraisal (CSV or JSON)
      dossier SUBJECT --reason TEXT a subject's integrity dossier (廉洁档案); an employee: dossier me
      opinion …                     integrity opinions (request, list, show, review, sign)
      conflict …                    your declared conflicts of interest, for recusal (declare, list, withdraw)
      report portrait|org|dossier … one self-contained HTML report (charts, A4, no script) --out F
      notifications …               the outbox the mobile gateway delivers (list, retry a dead one)
    Run a command without arguments for its usage.

    Options:
      --server HOST:PORT   the server (default: the one logged in to, $LIANJIE_SERVER, or 127.0.0.1:7600);
                           also unix:PATH, lianjied's gateway socket on its host (a trusted
                           gateway's connection: for members of lianjied's group only)
      --json               machine-readable output (proto3 JSON) and errors as {"error": ...}
      --help, --version

    Exit codes: 0 ok, 1 failure, 2 usage, 3 not logged in / unauthenticated, 4 permission
    denied, 5 not found, 6 invalid argument, 7 conflict, 8 server unavailable or too busy.
    """

func run() async -> Int32 {
    var args = Array(CommandLine.arguments.dropFirst())
    var json = false
    var serverText: String?
    var rest: [String] = []
    var i = 0
    while i < args.count {
        let a = args[i]
        if a == "--json" { json = true } else if a == "--server" {
            i += 1
            guard i < args.count else { FileHandle.standardError.write(Data("lianjie: --server needs HOST:PORT\n".utf8)); return 2 }
            serverText = args[i]
        } else if a.hasPrefix("--server=") {
            serverText = String(a.dropFirst("--server=".count))
        } else {
            rest.append(a)
        }
        i += 1
    }
    args = rest
    guard let command = args.first, command != "--help", command != "-h", command != "help" else {
        print(usage)
        return args.isEmpty ? 2 : 0
    }
    if command == "--version" { print("lianjie 0.1.0 (LJRP/1)"); return 0 }

    let credentials = CredentialStore()
    let saved = credentials.load()
    let chosen = serverText ?? saved?.server ?? ProcessInfo.processInfo.environment["LIANJIE_SERVER"] ?? "127.0.0.1:7600"
    guard let endpoint = Endpoint(chosen) else {
        return report(CLIError.usage("--server must be HOST:PORT (or unix:PATH), got \(chosen)"), json: json)
    }
    let ctx = CLIContext(server: endpoint, json: json, credentials: credentials)
    let commandArgs = Array(args.dropFirst())
    do {
        switch command {
        case "health": try await Commands.health(ctx, args: commandArgs)
        case "login": try await Commands.login(ctx, args: commandArgs)
        case "logout": try await Commands.logout(ctx, args: commandArgs)
        case "whoami": try await Commands.whoami(ctx, args: commandArgs)
        case "org": try await OrgCommands.run(ctx, commandArgs)
        case "account": try await AccountCommands.run(ctx, commandArgs)
        case "token": try await AccountCommands.token(ctx, commandArgs)
        case "password": try await AccountCommands.password(ctx, commandArgs)
        case "session": try await AccountCommands.session(ctx, commandArgs)
        case "subject": try await SubjectCommands.run(ctx, commandArgs)
        case "category": try await SubjectCommands.category(ctx, commandArgs)
        case "post": try await SubjectCommands.post(ctx, commandArgs)
        case "audit": try await AuditCommands.run(ctx, commandArgs)
        case "scheme": try await SchemeCommands.run(ctx, commandArgs)
        case "entry": try await EntryCommands.run(ctx, commandArgs)
        case "workorders": try await WorkOrderCommands.run(ctx, commandArgs)
        case "rules": try await WorkOrderCommands.rules(ctx, commandArgs)
        case "eval": try await EvaluationCommands.run(ctx, commandArgs)
        case "portrait": try await EvaluationCommands.portrait(ctx, commandArgs)
        case "stats": try await EvaluationCommands.stats(ctx, commandArgs)
        case "alerts": try await EvaluationCommands.alerts(ctx, commandArgs)
        case "case": try await CaseCommands.run(ctx, commandArgs)
        case "talks": try await CaseCommands.talks(ctx, commandArgs)
        case "export": try await ExportCommands.run(ctx, commandArgs)
        case "dossier": try await DossierCommands.run(ctx, commandArgs)
        case "opinion": try await OpinionCommands.run(ctx, commandArgs)
        case "conflict": try await OpinionCommands.conflicts(ctx, commandArgs)
        case "report": try await ReportCommands.run(ctx, commandArgs)
        case "notifications": try await NotificationCommands.run(ctx, commandArgs)
        default: throw CLIError.usage("unknown command \(command); run lianjie --help")
        }
        return 0
    } catch let e as CLIError {
        return report(e, json: json)
    } catch let e as RPCError {
        return report(CLIError(e), json: json)
    } catch {
        return report(CLIError(message: "\(error)", exitCode: CLIError.Code.failure), json: json)
    }
}

func report(_ e: CLIError, json: Bool) -> Int32 {
    if e.alreadyReported { return e.exitCode }
    if json { print(e.json) } else { FileHandle.standardError.write(Data("lianjie: \(e.message)\n".utf8)) }
    return e.exitCode
}

exit(await run())
