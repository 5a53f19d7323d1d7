/// Names in the three worlds the generator bridges: proto, protoc-c's C, and Swift.
enum Naming {
    /// protoc-c's `ToCamel`: `lianjie` → `Lianjie`, `foo_bar` → `FooBar`.
    static func cCamel(_ s: String) -> String {
        var out = ""
        var upper = true
        for ch in s {
            if ch == "_" { upper = true; continue }
            out += upper ? ch.uppercased() : String(ch)
            upper = false
        }
        return out
    }

    /// protoc-c's `CamelToLower`: `WhoAmIRequest` → `who_am_irequest`.
    static func cLower(_ s: String) -> String {
        var out = ""
        var wasUpper = true
        for ch in s {
            let isUpper = ch.isUppercase
            if isUpper {
                if !wasUpper { out += "_" }
                out += ch.lowercased()
            } else {
                out.append(ch)
            }
            wasUpper = isUpper
        }
        return out
    }

    /// protoc-c's struct name for a full proto name: `lianjie.v1.Account` → `Lianjie__V1__Account`.
    static func cType(_ fullName: String) -> String {
        fullName.split(separator: ".").map { cCamel(String($0)) }.joined(separator: "__")
    }

    /// protoc-c's function prefix: `lianjie.v1.WhoAmIRequest` → `lianjie__v1__who_am_irequest`.
    static func cFunction(_ fullName: String) -> String {
        fullName.split(separator: ".").map { cLower(String($0)) }.joined(separator: "__")
    }

    /// `expires_at_unix` → `expiresAtUnix`; `NOT_SERVING` → `notServing`.
    static func lowerCamel(_ s: String) -> String {
        let parts = s.split(separator: "_").map { String($0) }
        guard let first = parts.first else { return s }
        let head = first.allSatisfy({ $0.isUppercase || $0.isNumber }) ? first.lowercased() : first.prefix(1).lowercased() + first.dropFirst()
        return head + parts.dropFirst().map { p in
            let lower = p.allSatisfy({ $0.isUppercase || $0.isNumber }) ? p.lowercased() : p
            return lower.prefix(1).uppercased() + lower.dropFirst()
        }.joined()
    }

    /// `maybe_limit` → `MaybeLimit`.
    static func upperCamel(_ s: String) -> String {
        let l = lowerCamel(s)
        return l.prefix(1).uppercased() + l.dropFirst()
    }

    static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
        "init", "inout", "internal", "let", "open", "operator", "private", "protocol", "public",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "switch", "where", "while", "as", "catch", "false", "is", "nil", "rethrows", "super",
        "self", "Self", "throw", "throws", "true", "try", "Type", "Protocol", "any", "some",
    ]

    /// A proto comment as lines: the single space after `//` removed, trailing blank
    /// lines dropped. Both the Swift doc comments and API.md are written from this.
    static func commentLines(_ comment: String) -> [String] {
        var lines = comment.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix(" ") ? String($0.dropFirst()) : String($0)
        }
        while let last = lines.last, last.allSatisfy({ $0 == " " }) { lines.removeLast() }
        return lines
    }

    static func swiftIdentifier(_ s: String) -> String {
        swiftKeywords.contains(s) ? "`\(s)`" : s
    }
}
