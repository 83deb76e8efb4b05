// lab/report: everything that writes or describes a run's outcome: the outcome record, the one
// artifact writer and reader, the summary line and table, the failure story, report.html and the
// explore index.
export * from './outcome.js';
export * from './artifacts.js';
export * from './recorded.js';
export * from './summary.js';
export * from './story.js';
export * from './system-run.js';
export * from './names.js';
export { reportHtml } from './html/report.js';
export { exploreIndexFileName, exploreIndexHtml, writeExploreIndex } from './html/explore-index.js';
export type { ExploreIndexInput, ExploreRun } from './html/explore-index.js';
export { messagesFileName, parseMessages } from './html/messages.js';
export type { RecordedMessage } from './html/messages.js';
export { chartLibrary, chartScripts, documentHead } from './html/document.js';
export type { ChartLibrary } from './html/document.js';
export { escapeHtml, scriptJson } from './html/escape.js';
export { amountMax, planJsonSchema, planSchema, validatePlan } from './plan-schema.js';
