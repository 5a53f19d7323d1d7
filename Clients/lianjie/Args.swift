/// A command's arguments: positionals and `--name value` / `--flag` options.
struct Args {
    private(set) var positionals: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []
    private var consumed: Set<String> = []

    /// Parses `raw`; `flagNames` are options that take no value.
    init(_ raw: [String], flags flagNames: Set<String> = []) throws {
        var i = 0
        while i < raw.count {
            let a = raw[i]
            if a.hasPrefix("--"), a.count > 2 {
                if let eq = a.firstIndex(of: "=") {
                    options[String(a[..<eq]), default: []].append(String(a[a.index(after: eq)...]))
                } else if flagNames.contains(a) {
                    flags.insert(a)
                } else {
                    i += 1
                    guard i < raw.count else { throw CLIError.usage("\(a) needs a value") }
                    options[a, default: []].append(raw[i])
                }
            } else {
                positionals.append(a)
            }
            i += 1
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func value(_ name: String) -> String? { options[name]?.last }

    func values(_ name: String) -> [String] { options[name] ?? [] }

    func required(_ name: String) throws -> String {
        guard let v = value(name), !v.isEmpty else { throw CLIError.usage("\(name) is required") }
        return v
    }

    func positional(_ i: Int, _ what: String) throws -> String {
        guard i < positionals.count else { throw CLIError.usage("\(what) is required") }
        return positionals[i]
    }

    /// Fails on options the command does not know, so a typo is not silently ignored.
    func only(_ known: Set<String>, positionals max: Int) throws {
        for name in options.keys where !known.contains(name) { throw CLIError.usage("unknown option \(name)") }
        for name in flags where !known.contains(name) { throw CLIError.usage("unknown option \(name)") }
        if positionals.count > max { throw CLIError.usage("unexpected argument \(positionals[max])") }
    }
}
