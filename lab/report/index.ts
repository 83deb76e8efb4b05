// lab/report: everything that writes or describes a run's outcome: the outcome record, the one
// artifact writer and reader, the summary line and table, and the failure story.
export * from './outcome.js';
export * from './artifacts.js';
export * from './summary.js';
export * from './story.js';
