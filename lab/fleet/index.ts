// lab/fleet: explore over many worker processes on many machines through a BullMQ queue on Redis,
// and the shards and merges of CI matrices; its one public face.
export * from './errors.js';
export * from './job.js';
export * from './record.js';
export * from './pack.js';
export * from './queue.js';
export * from './execute.js';
export * from './worker.js';
export * from './campaign.js';
export * from './results.js';
export * from './collect.js';
