// `faultline compare`: paired runs of several strategies on identical plans, their statistics, the
// terminal table, compare.json and compare.html. Try: `npx faultline compare --seeds 2 --faults light`.
export { bootstrapInterval, bootstrapResamples, confidenceLevel, pairedDifference, pairedSeedsMin, quantile } from './bootstrap.js';
export type { Better, PairedDifference } from './bootstrap.js';
export { cdfPointsMax, compareDocument, latencyCdf, pairedMetrics } from './document.js';
export type { CompareDocument, CompareSettings, GridCell, GridRow, MetricComparison, PairedMetric, PairedRun, RunTimeline, StrategySummary } from './document.js';
export { compareHtml, escapeHtml, runAnchor } from './html.js';
export { blockedMs, faultIntervals, mergeIntervals, nodeCounters, okDuringPartition, opSpans, replayCommand, runMetrics, throughputBucketMs, throughputBuckets } from './metrics.js';
export type { FaultInterval, FaultKind, NodeCounters, OpSpan, RunMetrics } from './metrics.js';
export { runComparison } from './session.js';
export type { ComparisonRequest } from './session.js';
export { compareReport, differenceRows, formatNumber, performanceRows, tradeOffLine, verdictGridRows, verdictRows, violationText } from './table.js';
