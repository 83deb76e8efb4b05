// The queue: one BullMQ queue on Redis that every campaign shares (workers listen to one name), and
// beside it one small key per campaign with its spec, so that status, results and cancel work from
// any terminal. Key names and connection rules live here and nowhere else.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CampaignSpec } from './job.js';
import { FleetError } from './errors.js';

/** Every key faultline writes starts with this; BullMQ's own keys too (its `prefix`). */
export const keyPrefix = 'faultline';
export const queueName = 'runs';
const connectTimeoutMs = 3_000;
/** BullMQ's event stream's approximate length (its default is 10,000). */
const eventsMax = 500;

/** BullMQ and ioredis, as loaded on first use. */
export interface QueueLibraries {
  bullmq: typeof import('bullmq');
  Redis: typeof Redis;
}

let libraries: Promise<QueueLibraries> | undefined;

/**
 * BullMQ and ioredis take about 0.2 s to load, and a local explore (which runs on every CLI call and
 * in every suite) never talks to a queue, so they load on the first call that does.
 */
export function queueLibraries(): Promise<QueueLibraries> {
  if (libraries === undefined) libraries = Promise.all([import('bullmq'), import('ioredis')]).then(([bullmq, ioredis]) => ({ bullmq, Redis: ioredis.Redis }));
  return libraries;
}

export interface QueueAddress {
  url: string;
  host: string;
  port: number;
}

/** `redis://HOST:PORT[/DB]` or `rediss://…`; anything else is a usage error. */
export function parseQueueUrl(text: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FleetError('bad-url', `--queue takes redis://HOST:PORT, got '${text}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new FleetError('bad-url', `--queue takes redis://HOST:PORT, got '${text}'`);
  if (url.hostname === '') throw new FleetError('bad-url', `--queue names no host: '${text}'`);
  const port = url.port === '' ? 6379 : Number(url.port);
  return { url: text, host: url.hostname, port };
}

/**
 * A client for faultline's own keys. `maxRetriesPerRequest: null` waits through a Redis restart
 * instead of failing a command (what a worker wants); otherwise a command fails after one reconnect
 * attempt, and the campaign's poller decides how long an outage may last.
 */
export async function redisClient(address: QueueAddress, waitThroughOutages = true): Promise<Redis> {
  const { Redis } = await queueLibraries();
  return new Redis(address.url, {
    maxRetriesPerRequest: waitThroughOutages ? null : 1,
    connectTimeout: connectTimeoutMs,
    enableAutoPipelining: true,
  });
}

/** Answers or throws one line: an address that does not answer is found before any work starts. */
export async function probeQueue(address: QueueAddress): Promise<void> {
  const { Redis } = await queueLibraries();
  const client = new Redis(address.url, { lazyConnect: true, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the 'Connection is closed' connect() rejects with.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => { socketError ??= error; });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (socketError ?? (error instanceof Error ? error : new Error(String(error)))).message;
    throw new FleetError('queue-unreachable', `the queue at ${address.url} does not answer (${reason})`);
  } finally {
    client.disconnect();
  }
}

export async function openQueue(address: QueueAddress, waitThroughOutages = true): Promise<Queue> {
  const { bullmq } = await queueLibraries();
  const queue = new bullmq.Queue(queueName, {
    prefix: keyPrefix,
    // faultline reads job records, never the event stream: keep it short, since each completion's
    // event carries a copy of the result.
    streams: { events: { maxLen: eventsMax } },
    connection: { url: address.url, maxRetriesPerRequest: waitThroughOutages ? null : 1, connectTimeout: connectTimeoutMs },
  });
  queue.on('error', () => undefined);
  return queue;
}

export interface CampaignMeta {
  id: string;
  spec: CampaignSpec;
  /** Runs 0 to runs-1 are the campaign's jobs. */
  runs: number;
  createdMs: number;
  cancelled: boolean;
}

const campaignKey = (id: string): string => `${keyPrefix}:campaign:${id}`;

/** Records the campaign, or widens its run count when it exists (a later explore asked for more). */
export async function saveCampaign(client: Redis, meta: CampaignMeta): Promise<CampaignMeta> {
  const key = campaignKey(meta.id);
  await client.hsetnx(key, 'spec', JSON.stringify(meta.spec));
  await client.hsetnx(key, 'createdMs', String(meta.createdMs));
  const runs = Number(await client.hget(key, 'runs') ?? 0);
  if (meta.runs > runs) await client.hset(key, 'runs', String(meta.runs));
  await client.hdel(key, 'cancelled');
  return { ...meta, runs: Math.max(runs, meta.runs) };
}

export async function loadCampaign(client: Redis, id: string): Promise<CampaignMeta> {
  const fields = await client.hgetall(campaignKey(id));
  if (fields.spec === undefined || fields.runs === undefined) throw new FleetError('no-campaign', `no campaign '${id}' on this queue`);
  return { id, spec: JSON.parse(fields.spec) as CampaignSpec, runs: Number(fields.runs), createdMs: Number(fields.createdMs ?? 0), cancelled: fields.cancelled !== undefined };
}

/** Removes the campaign's own key (its spec, run count and cancel mark). */
export async function forgetCampaign(client: Redis, id: string): Promise<void> {
  await client.del(campaignKey(id));
}

export async function markCancelled(client: Redis, id: string): Promise<void> {
  await client.hset(campaignKey(id), 'cancelled', '1');
}

export async function isCancelled(client: Redis, id: string): Promise<boolean> {
  return (await client.hexists(campaignKey(id), 'cancelled')) === 1;
}
