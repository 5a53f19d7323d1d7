/// `Proto/API.md`: every service and RPC with the documentation written beside its `rpc`
/// line, so the reference cannot drift from the contract.
enum APIReference {
    static func markdown(files: [FileDesc], types: TypeTable) -> String {
        var out = """
            # Lianjie RPC reference

            Generated from the `.proto` files by `Proto/generate.sh`; do not edit. Each method's
            text is the comment beside its `rpc` line: what it does, who may call it, and the
            errors it returns. `Proto/PROTOCOL.md` explains the wire, status codes, paging,
            `request_id`, `update_mask` and `etag`; `Tests/EndToEndTests/authorization-matrix.txt`
            is the tested record of which role gets which answer from every method.


            """
        for file in files.sorted(by: { $0.name < $1.name }) {
            for (i, service) in file.services.enumerated() {
                out += "## \(file.package).\(service.name)\n\n"
                if let doc = file.comments[[6, i]] { out += clean(doc) + "\n\n" }
                out += "| method | request → response |\n|---|---|\n"
                for m in service.methods {
                    out += "| [`\(m.name)`](#\(service.name.lowercased())\(m.name.lowercased())) | `\(short(m.inputType))` → `\(short(m.outputType))` |\n"
                }
                out += "\n"
                for (j, m) in service.methods.enumerated() {
                    out += "### \(service.name)/\(m.name)\n\n"
                    out += "`/\(file.package).\(service.name)/\(m.name)` — `\(short(m.inputType))` → `\(short(m.outputType))`\n\n"
                    out += (file.comments[[6, i, 2, j]].map(clean) ?? "(undocumented)") + "\n\n"
                }
            }
        }
        return out
    }

    static func short(_ typeName: String) -> String {
        String(typeName.split(separator: ".").last ?? Substring(typeName))
    }

    static func clean(_ comment: String) -> String {
        Naming.commentLines(comment).joined(separator: "\n")
    }
}
