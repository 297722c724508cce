import Tracing

/// The W3C `traceparent` header (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`), the form
/// a trace context takes in `executions.trace_context` and in a handler's `TRACEPARENT`.
public struct TraceParent: Sendable, Equatable {
    /// The whole header value.
    public let value: String
    /// The trace id (32 lowercase hex digits).
    public let traceID: Substring
    /// The span id (16 lowercase hex digits) of the span that is the parent of what comes next.
    public let spanID: Substring

    /// Reads a header value; nil when it is not a version-00 traceparent.
    public init?(_ value: String) {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) })
        else { return nil }
        self.value = value
        self.traceID = parts[1]
        self.spanID = parts[2]
    }

    /// The context of the remote span this header names, as the bootstrapped instrument reads it
    /// (the top-level context when tracing is off or the header says nothing it understands).
    public var context: ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(["traceparent": value], into: &context, using: HeaderCarrier())
        return context
    }

    /// The header for `context` as the bootstrapped instrument writes it; nil when tracing is off.
    public init?(of context: ServiceContext) {
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeaderCarrier())
        guard let value = headers["traceparent"] else { return nil }
        self.init(value)
    }

    /// Log metadata naming this trace: `trace_id` and `span_id`.
    package var logMetadata: [(String, String)] {
        [(LogKey.traceID, String(traceID)), (LogKey.spanID, String(spanID))]
    }
}

/// Reads and writes propagation headers in a dictionary.
struct HeaderCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
