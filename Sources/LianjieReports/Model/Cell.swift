/// A figure a statistics page may show, or a cell withheld because it describes fewer
/// than five people.
///
/// The page never decides what to withhold: whoever builds the model does (including any
/// second cell that must be withheld so the first cannot be worked out from a total).
/// A suppressed cell carries no number at all, so none can leak into the page.
public enum Cell<Value: Sendable & Hashable>: Sendable, Hashable {
    case value(Value)
    /// Shown as "<5".
    case suppressed

    /// The value, or nil when suppressed.
    public var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }

    public var isSuppressed: Bool { self == .suppressed }
}
