/// A case that fell overdue, told to the modules that react to it (the evaluation module
/// raises its `caseOverdue` alert) inside the transaction of result use's daily check.
public struct CaseOverdue: Sendable {
    public enum Deadline: String, Sendable {
        /// The day the case was due to be closed by.
        case due
        /// The day the rectification report was due by.
        case rectification
    }

    public let caseID: String
    public let caseNumber: String
    public let subjectID: String
    public let subjectName: String
    public let organizationID: String
    public let organizationPath: String
    public let deadline: Deadline
    /// The deadline's day, `YYYY-MM-DD`.
    public let day: String
    /// When the check found it (Unix seconds).
    public let time: Int64

    public init(caseID: String, caseNumber: String, subjectID: String, subjectName: String, organizationID: String, organizationPath: String,
                deadline: Deadline, day: String, time: Int64) {
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.subjectID = subjectID
        self.subjectName = subjectName
        self.organizationID = organizationID
        self.organizationPath = organizationPath
        self.deadline = deadline
        self.day = day
        self.time = time
    }
}
