// lab/client: its one public face; other folders import from here.
export * from './operation.js';
export * from './recorder.js';
export * from './session.js';
export * from './status.js';
