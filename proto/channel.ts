// The bank's wire conventions: the options of every gRPC channel faultline opens (branch to branch, and the lab's customers) and
// of every branch's server.
// Try it: `new BranchClient(address, credentials.createInsecure(), channelOptions)`.
import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * Set on purpose, not left to defaults: reconnects are fast and bounded, so a healed link is used
 * again within a second; retries are off, because a silent retry could apply a transfer twice; and
 * keepalive pings notice a link that went silent (a Toxiproxy timeout toxic) within a few seconds.
 */
export const channelOptions: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.enable_retries': 0,
  'grpc.keepalive_time_ms': 2000,
  'grpc.keepalive_timeout_ms': 1000,
  'grpc.keepalive_permit_without_calls': 1,
  // Channelz counts every call for an admin service faultline does not serve; off, a call costs less.
  'grpc.enable_channelz': 0,
};

/**
 * The server pings its clients too, so an incoming Propagate stream whose sender vanished behind a
 * half-open connection is dropped within keepalive_time + keepalive_timeout, not held forever.
 */
export const serverOptions = {
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 1_000,
  // No channelz bookkeeping, as on the channels above.
  'grpc.enable_channelz': 0,
} as const;

/** Metadata keys a call carries so a server can tell who asked for what. */
export const metadataKeys = {
  clientId: 'x-client-id',
  requestId: 'x-request-id',
  /** A branch's Reset epoch on its calls to a serialization point: calls of another epoch are refused. */
  epoch: 'x-faultline-epoch',
  /** Trailing metadata of a definite refusal by a serialization point (errors.ts). */
  refusal: 'x-faultline-refusal',
} as const;
