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

    /// Reads a header value; nil when it is not a version-00 traceparent. Checked byte by byte
    /// (this runs for every attempt when tracing is on).
    public init?(_ value: String) {
        let utf8 = value.utf8
        guard utf8.count >= 55 else { return nil }
        for (offset, byte) in utf8.enumerated() {
            if offset == 55 { guard byte == UInt8(ascii: "-") else { return nil }; break }
            let isDash = offset == 2 || offset == 35 || offset == 52
            guard isDash ? byte == UInt8(ascii: "-") : Self.isHexDigit(byte) else { return nil }
        }
        self.value = value
        self.traceID = Substring(utf8[utf8.index(utf8.startIndex, offsetBy: 3)..<utf8.index(utf8.startIndex, offsetBy: 35)])
        self.spanID = Substring(utf8[utf8.index(utf8.startIndex, offsetBy: 36)..<utf8.index(utf8.startIndex, offsetBy: 52)])
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// The context of the remote span this header names, as `instrument` (the bootstrapped one
    /// unless told) reads it: the top-level context when tracing is off or the header says nothing
    /// it understands.
    public func context(using instrument: any Instrument = InstrumentationSystem.instrument) -> ServiceContext {
        var context = ServiceContext.topLevel
        instrument.extract(["traceparent": value], into: &context, using: HeaderCarrier())
        return context
    }

    /// The header for `context` as `instrument` (the bootstrapped one unless told) writes it; nil
    /// when tracing is off.
    public init?(of context: ServiceContext, using instrument: any Instrument = InstrumentationSystem.instrument) {
        var headers: [String: String] = [:]
        instrument.inject(context, into: &headers, using: HeaderCarrier())
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
