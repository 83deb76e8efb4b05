// Toxiproxy for the lab: the backends (external, binary, embedded), the adapter over
// toxiproxy-node-client, and the embedded server itself. Try: `npx faultline toxiproxy --seed 7`.
export { resolveBackend, startProxyBackend } from './backends.js';
export type { ResolvedBackend, StartProxyBackendOptions } from './backends.js';
export { isToxiproxyError, ToxiproxyAdapter, ToxiproxyApiError } from './adapter.js';
export type { DecisionDump, ProxyFields, ProxyState, ToxicAttributes, ToxicSpec, ToxicState, ToxicStream, ToxicType, ToxiproxyErrorCode } from './adapter.js';
export { findToxiproxyBinary, installedBinaryPath, startToxiproxyBinary } from './binary.js';
export { embeddedVersion, EmbeddedToxiproxyServer } from './embedded/server.js';
export type { EmbeddedServerOptions } from './embedded/server.js';
export type { Decision, DecisionKind } from './embedded/decisions.js';
export type { ProxyBackend, ProxyBackendChoice, ProxyBackendKind } from './types.js';
export * from './adapter.js';
export * from './backends.js';
export * from './binary.js';
export * from './embedded/server.js';
export * from './types.js';
