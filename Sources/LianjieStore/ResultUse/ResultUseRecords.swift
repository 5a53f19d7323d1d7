/// A case (问题线索 / 问题处置) about one subject, as stored: its state in the closed loop and
/// the record of each step. Days are `YYYY-MM-DD`; times are Unix seconds; states, sources,
/// forms and measures are their proto numbers.
public struct CaseRecord: Sendable, Equatable {
    public var id = ""
    public var seq: Int64 = 0
    /// `C-2026-0007`: unique, human-facing.
    public var number = ""
    public var subjectID = ""
    public var subjectName = ""
    /// The subject's organisation: when read, where the subject is now (a case follows a
    /// transfer); as written, where it was when the case was opened.
    public var organizationID = ""
    public var organizationPath = ""
    public var source: Int32 = 0
    public var summary = ""
    public var alertID = ""
    public var entryIDs: [String] = []
    public var evidenceIDs: [String] = []
    public var state: Int32 = 0
    public var handlerID = ""
    /// Every account that has been the case's handler (four eyes: none of them verifies it).
    public var pastHandlerIDs: [String] = []
    /// The day the case is due to be closed by ("" before it is assigned).
    public var dueDate = ""
    public var disposition = DispositionRecord()
    /// The entry derived from a disposition of the second form or heavier ("" for none).
    public var derivedEntryID = ""
    public var rectification = RectificationRecord()
    public var verifiedBy = ""
    public var verifyTime: Int64 = 0
    public var verificationNote = ""
    public var conclusion = ""
    public var closingEvidenceIDs: [String] = []
    public var closedBy = ""
    public var closeTime: Int64 = 0
    public var dismissalReason = ""
    /// How often the case was escalated for the deadline it is overdue for, and when last.
    public var escalations = 0
    public var lastEscalationTime: Int64 = 0
    /// Which deadline the escalations count for (`due:2026-12-01`, `rectification:…`): a new
    /// deadline starts the count again.
    public var escalationKey = ""
    public var openedBy = ""
    public var openTime: Int64 = 0
    public var updateTime: Int64 = 0
    /// Bumped by every change (the etag is made from it).
    public var version: Int64 = 0

    public init() {}

    /// The deadline the case is overdue for on `today` (`YYYY-MM-DD`), if any: in
    /// rectification without a report and past the rectification deadline (`rectification`),
    /// else assigned, disposed, in rectification or verified and past its due date (`due`).
    /// `caseRecords(overdueOn:)` selects by the same rule.
    public func overdueDeadline(on today: String) -> (kind: String, day: String)? {
        guard (2...5).contains(state) else { return nil }
        if state == 4, rectification.report.isEmpty, !rectification.deadline.isEmpty, rectification.deadline < today {
            return ("rectification", rectification.deadline)
        }
        if !dueDate.isEmpty, dueDate < today { return ("due", dueDate) }
        return nil
    }
}

/// A case's disposition under one of the four forms (form 0: none yet).
public struct DispositionRecord: Sendable, Equatable {
    public var form: Int32 = 0
    /// First form only.
    public var measure: Int32 = 0
    public var date = ""
    public var talkedBy = ""
    public var documentNumber = ""
    public var notes = ""
    public var disposedBy = ""
    public var disposeTime: Int64 = 0

    public init() {}
}

/// A case's rectification (整改): deadline and requirements, then the manager's report.
public struct RectificationRecord: Sendable, Equatable {
    public var deadline = ""
    public var requirements = ""
    public var report = ""
    public var reportedBy = ""
    public var reportTime: Int64 = 0

    public init() {}
}

/// One step of a case. `fromState`/`toState` are equal for a step that changes no state.
public struct CaseEventRecord: Sendable, Equatable {
    public var caseID = ""
    public var time: Int64 = 0
    /// Empty for the server's own steps.
    public var accountID = ""
    public var action = ""
    public var fromState: Int32 = 0
    public var toState: Int32 = 0
    public var note = ""

    public init(caseID: String, time: Int64, accountID: String, action: String, fromState: Int32, toState: Int32, note: String) {
        self.caseID = caseID
        self.time = time
        self.accountID = accountID
        self.action = action
        self.fromState = fromState
        self.toState = toState
        self.note = note
    }
}

/// Which cases a listing returns.
public struct CaseFilter: Sendable, Equatable {
    public var scope: ScopeFilter = .everything
    /// Only subjects in this organisation subtree (a path).
    public var underPath: String?
    public var subjectID: String?
    /// Never cases about this subject (the caller's own record).
    public var excludeSubjectID: String?
    public var state: Int32?
    public var handlerID: String?
    /// Only cases overdue on this day (`YYYY-MM-DD`): see `ResultUseReader.caseRecords`.
    public var overdueOn: String?

    public init() {}
}

/// A talk held with, or a notice given to, the employee a case is about.
public struct TalkRecord: Sendable, Equatable {
    public var id = ""
    public var seq: Int64 = 0
    public var caseID = ""
    public var caseNumber = ""
    public var subjectID = ""
    /// The proto `TalkKind` number.
    public var kind: Int32 = 0
    public var heldOn = ""
    public var heldBy = ""
    /// What the employee is told.
    public var content = ""
    public var recordedBy = ""
    public var recordTime: Int64 = 0
    /// 0 until the employee acknowledges it.
    public var acknowledgeTime: Int64 = 0

    public init() {}
}

/// Which talks a listing returns.
public struct TalkFilter: Sendable, Equatable {
    public var subjectID = ""
    public var unacknowledgedOnly = false

    public init(subjectID: String) { self.subjectID = subjectID }
}

/// An integrity opinion about one subject, as stored. Enums are their proto numbers; days
/// `YYYY-MM-DD`; times Unix seconds.
public struct OpinionRecord: Sendable, Equatable {
    public var id = ""
    public var seq: Int64 = 0
    public var batchID = ""
    public var subjectID = ""
    public var employeeNumber = ""
    public var subjectName = ""
    /// When read, the subject's organisation now; as written, at the request.
    public var organizationID = ""
    public var organizationPath = ""
    public var purpose: Int32 = 0
    public var purposeNote = ""
    public var state: Int32 = 0
    public var proposed: Int32 = 0
    public var reasons: [OpinionReasonRecord] = []
    public var dossierSHA256 = ""
    /// The frozen dossier the proposal was made from (an encoded `Dossier`).
    public var dossier: [UInt8] = []
    public var schemeVersion = 0
    public var conclusion: Int32 = 0
    public var changeReason = ""
    public var reviewedBy = ""
    public var reviewTime: Int64 = 0
    public var reviewNote = ""
    public var signedBy = ""
    public var signTime: Int64 = 0
    public var validityDays = 90
    /// Set by the second signature.
    public var validUntil = ""
    public var dueDate = ""
    public var requestedBy = ""
    public var requestTime: Int64 = 0
    public var version: Int64 = 0

    public init() {}
}

/// One opinion rule that matched, and the fact it matched.
public struct OpinionReasonRecord: Sendable, Equatable {
    public var rule: String
    public var conclusion: Int32
    public var fact: String

    public init(rule: String, conclusion: Int32, fact: String) {
        self.rule = rule
        self.conclusion = conclusion
        self.fact = fact
    }
}

/// Which opinions a listing returns.
public struct OpinionFilter: Sendable, Equatable {
    public var scope: ScopeFilter = .everything
    public var underPath: String?
    public var subjectID: String?
    public var excludeSubjectID: String?
    public var state: Int32?
    public var batchID: String?

    public init() {}
}

/// A declared conflict of interest (回避) between an account and a subject.
public struct ConflictRecord: Sendable, Equatable {
    public var id = ""
    public var seq: Int64 = 0
    public var accountID = ""
    public var subjectID = ""
    public var relation = ""
    public var note = ""
    public var declareTime: Int64 = 0
    /// 0 while in force.
    public var withdrawTime: Int64 = 0

    public init() {}
}

/// Which declarations a listing returns: an account's own, or those about subjects in a
/// scope (`accountID` nil).
public struct ConflictFilter: Sendable, Equatable {
    public var accountID: String?
    /// Subjects whose organisation lies in these subtrees (with `accountID` nil).
    public var scope: ScopeFilter = .everything
    public var subjectID: String?
    /// Never declarations about this subject (the caller's own record).
    public var excludeSubjectID: String?
    public var includeWithdrawn = false

    public init() {}
}

/// What the closed-loop statistics read of a case: its state, times and disposition.
public struct CaseFactRow: Sendable, Equatable {
    /// The subject's organisation path now.
    public var organizationPath = ""
    public var state: Int32 = 0
    public var openTime: Int64 = 0
    /// Closing or dismissal time (0 while neither).
    public var closeTime: Int64 = 0
    public var dispositionForm: Int32 = 0
    public var disposeTime: Int64 = 0
    /// Overdue on the day asked about.
    public var overdue = false

    public init() {}
}
