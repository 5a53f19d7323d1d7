/// An integrity opinion (廉洁意见回复) as its printable page shows it.
public struct OpinionReport: Sendable, Hashable {
    public enum Conclusion: String, Sendable, Hashable, CaseIterable {
        /// 无异议
        case noObjection
        /// 暂缓
        case deferred
        /// 有异议
        case objection
    }

    public var subject: ReportSubject
    /// E.g. "提拔任用 Promotion".
    public var purpose: BilingualLabel
    /// What exactly it is for, as HR wrote it.
    public var purposeNote: String
    /// Nil until reviewed.
    public var conclusion: Conclusion?
    /// Why the reviewer changed the proposal; empty when they did not.
    public var changeReason: String
    /// The facts the rules found, one line each.
    public var facts: [String]
    /// "王纪检 · 2026-12-01 10:00", empty while not signed.
    public var firstSignature: String
    public var secondSignature: String
    /// Signed twice.
    public var signed: Bool
    /// The last day it may be used; empty while not signed.
    public var validUntil: String
    public var expired: Bool
    public var opinionID: String
    public var dossierHash: String
    public var generatedAt: String

    public init(subject: ReportSubject, purpose: BilingualLabel, purposeNote: String, conclusion: Conclusion?, changeReason: String, facts: [String],
                firstSignature: String, secondSignature: String, signed: Bool, validUntil: String, expired: Bool, opinionID: String,
                dossierHash: String, generatedAt: String) {
        self.subject = subject
        self.purpose = purpose
        self.purposeNote = purposeNote
        self.conclusion = conclusion
        self.changeReason = changeReason
        self.facts = facts
        self.firstSignature = firstSignature
        self.secondSignature = secondSignature
        self.signed = signed
        self.validUntil = validUntil
        self.expired = expired
        self.opinionID = opinionID
        self.dossierHash = dossierHash
        self.generatedAt = generatedAt
    }
}

extension OpinionReport.Conclusion {
    /// 无异议 / 暂缓 / 有异议.
    public var reportLabel: BilingualLabel {
        switch self {
        case .noObjection: BilingualLabel(zh: "无异议", en: "No objection")
        case .deferred: BilingualLabel(zh: "暂缓", en: "Deferred")
        case .objection: BilingualLabel(zh: "有异议", en: "Objection")
        }
    }
}
