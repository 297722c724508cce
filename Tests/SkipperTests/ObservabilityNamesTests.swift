import Foundation
@testable import SkipperRuntime
import TestSupport
import Testing

/// Every log status and metric name Skipper emits is in docs/operations.md, which operators
/// read to write their alerts and greps.
@Suite("observability names")
struct ObservabilityNamesTests {
    static let guide = (try? String(
        contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)) ?? ""

    @Test(arguments: LogStatus.all)
    func everyLogStatusIsDocumented(status: String) {
        #expect(Self.guide.contains("`\(status)`") || Self.guide.contains("status=\(status)"), "docs/operations.md does not mention status \(status)")
    }

    @Test(arguments: MetricName.all)
    func everyMetricIsDocumented(metric: String) {
        #expect(Self.guide.contains("`\(metric)"), "docs/operations.md does not mention metric \(metric)")
    }

    @Test func theListsHoldNoDuplicates() {
        #expect(Set(LogStatus.all).count == LogStatus.all.count)
        #expect(Set(MetricName.all).count == MetricName.all.count)
    }
}
