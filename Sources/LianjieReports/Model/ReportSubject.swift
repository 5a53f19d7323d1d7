/// Who a portrait is about, as its header shows them.
public struct ReportSubject: Sendable, Hashable {
    /// The name as shown (a real name, or a pseudonym on a pseudonymised report).
    public var name: String
    public var employeeNumber: String
    /// The organisation's full name, e.g. "城东区供电分局 客户服务中心 高压业扩班".
    public var organization: String
    /// The business category's name, e.g. "高压业扩报装".
    public var category: String
    /// The post's name, e.g. "客户经理".
    public var post: String

    public init(name: String, employeeNumber: String, organization: String, category: String, post: String) {
        self.name = name
        self.employeeNumber = employeeNumber
        self.organization = organization
        self.category = category
        self.post = post
    }
}

/// Where a report's figures came from, printed in its footer so a reader can find the
/// run again and recompute it.
public struct ReportProvenance: Sendable, Hashable {
    /// The scheme version the run used, e.g. "v3 (2026-01-05)".
    public var schemeVersion: String
    public var runID: String
    /// The hash of everything the run read (hex).
    public var inputsHash: String

    public init(schemeVersion: String, runID: String, inputsHash: String) {
        self.schemeVersion = schemeVersion
        self.runID = runID
        self.inputsHash = inputsHash
    }
}
