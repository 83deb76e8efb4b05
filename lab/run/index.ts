// lab/run: its one public face; other folders import from here.
export * from './pool.js';
export * from './runner.js';
export * from './run-result.js';
export * from './scenarios.js';
export * from './session.js';
export * from './shrink.js';
export * from './sim-run.js';
export * from './sim-workers.js';
export * from './system-run.js';
export * from './system-session.js';
export * from './systems.js';
export * from './stalls.js';
