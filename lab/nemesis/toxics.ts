// Toxics on a cluster's links: latency with jitter, bandwidth, slicer, reset_peer, timeout,
// limit_data and slow_close, each on the upstream, downstream or both streams of every link named.
// Try: `await latency(context, ['b1-b2'], { latencyMs: 50, jitterMs: 10 })`, then `removeLinkToxic(...)`.
import { isToxiproxyError } from '../proxy/index.js';
import type { ToxicAttributes, ToxicStream, ToxicType } from '../proxy/index.js';
import { linksNamed, record } from './context.js';
import type { NemesisContext, NemesisRecord } from './context.js';

/** upstream: the traffic of the link's direction (requests); downstream: its replies; both: each. */
export type FaultStream = ToxicStream | 'both';

export interface LinkToxicOptions {
  /** Defaults to downstream, as Toxiproxy does. */
  stream?: FaultStream;
  /** The share of connections it acts on, 0 to 1; defaults to 1. */
  toxicity?: number;
  /** The toxic's name before its stream suffix; defaults to `faultline-<type>`. */
  name?: string;
}

export interface LinkToxic<Type extends ToxicType = ToxicType> {
  type: Type;
  attributes: ToxicAttributes[Type];
}

function streamsOf(stream: FaultStream | undefined): ToxicStream[] {
  if (stream === 'both') return ['upstream', 'downstream'];
  return [stream ?? 'downstream'];
}

export function toxicName(base: string, stream: ToxicStream): string {
  return `${base}-${stream}`;
}

/**
 * Why Toxiproxy's server would crash on this toxic, if it would. Its slicer splits each chunk at its
 * middle plus or minus size_variation: a variation of average_size or more makes a negative slice
 * (a panic that takes the whole server down), and an average_size below 1 recurses forever.
 */
export function toxicHazard(toxic: LinkToxic): string | undefined {
  if (toxic.type !== 'slicer') return undefined;
  const { average_size: average, size_variation: variation } = toxic.attributes as ToxicAttributes['slicer'];
  if (!(average >= 1)) return `slicer: average_size must be at least 1, got ${average}`;
  if (variation > 0 && variation >= average) return `slicer: size_variation (${variation}) must be less than average_size (${average})`;
  return undefined;
}

/** Adds the toxic to every link; a link that already has one of that name keeps it (noted). */
export async function addLinkToxic(context: NemesisContext, linkNames: readonly string[], toxic: LinkToxic, options: LinkToxicOptions = {}): Promise<NemesisRecord> {
  const hazard = toxicHazard(toxic);
  if (hazard !== undefined) throw new Error(`${hazard}: Toxiproxy's server would crash on it`);
  const base = options.name ?? `faultline-${toxic.type}`;
  const links = linksNamed(context, linkNames);
  const added: string[] = [];
  let skipped = 0;
  await Promise.all(
    links.flatMap((link) =>
      streamsOf(options.stream).map(async (stream) => {
        const name = toxicName(base, stream);
        try {
          await context.proxy.addToxic(context.proxyName(link), { name, type: toxic.type, stream, toxicity: options.toxicity ?? 1, attributes: toxic.attributes });
          added.push(`${context.proxyName(link)}/${name}`);
        } catch (error) {
          if (!isToxiproxyError(error, 'conflict')) throw error;
          skipped += 1;
        }
      }),
    ),
  );
  const note = skipped > 0 ? `${skipped} links already had ${base}` : undefined;
  return record(`${toxic.type} on ${linkNames.join(',')}`, { links: links.map(context.proxyName).sort(), toxics: added.sort(), ...(note === undefined ? {} : { note }) });
}

/** Removes it from every link; one already gone is fine (a heal-all came first, say). */
export async function removeLinkToxic(context: NemesisContext, linkNames: readonly string[], base: string, stream?: FaultStream): Promise<NemesisRecord> {
  const links = linksNamed(context, linkNames);
  const removed: string[] = [];
  await Promise.all(
    links.flatMap((link) =>
      streamsOf(stream).map(async (each) => {
        try {
          await context.proxy.removeToxic(context.proxyName(link), toxicName(base, each));
          removed.push(`${context.proxyName(link)}/${toxicName(base, each)}`);
        } catch (error) {
          if (!isToxiproxyError(error, 'not-found')) throw error;
        }
      }),
    ),
  );
  return record(`remove ${base} from ${linkNames.join(',')}`, { links: links.map(context.proxyName).sort(), toxics: removed.sort() });
}

export function latency(context: NemesisContext, links: readonly string[], delay: { latencyMs: number; jitterMs?: number }, options?: LinkToxicOptions): Promise<NemesisRecord> {
  return addLinkToxic(context, links, { type: 'latency', attributes: { latency: delay.latencyMs, jitter: delay.jitterMs ?? 0 } }, options);
}

export function bandwidth(context: NemesisContext, links: readonly string[], rateKBps: number, options?: LinkToxicOptions): Promise<NemesisRecord> {
  return addLinkToxic(context, links, { type: 'bandwidth', attributes: { rate: rateKBps } }, options);
}

export function slicer(context: NemesisContext, links: readonly string[], slices: { averageSizeBytes: number; sizeVariationBytes: number; delayUs: number }, options?: LinkToxicOptions): Promise<NemesisRecord> {
  const attributes = { average_size: slices.averageSizeBytes, size_variation: slices.sizeVariationBytes, delay: slices.delayUs };
  return addLinkToxic(context, links, { type: 'slicer', attributes }, options);
}

/** Connections end with a TCP RST after `timeoutMs` from their first data (0: at once). */
export function resetPeer(context: NemesisContext, links: readonly string[], timeoutMs: number, options?: LinkToxicOptions): Promise<NemesisRecord> {
  return addLinkToxic(context, links, { type: 'reset_peer', attributes: { timeout: timeoutMs } }, options);
}

/** Data stops; connections close after `timeoutMs` without data, or never with 0 (until the toxic goes). */
export function timeout(context: NemesisContext, links: readonly string[], timeoutMs: number, options?: LinkToxicOptions): Promise<NemesisRecord> {
  return addLinkToxic(context, links, { type: 'timeout', attributes: { timeout: timeoutMs } }, options);
}

export function limitData(context: NemesisContext, links: readonly string[], bytes: number, options?: LinkToxicOptions): Promise<NemesisRecord> {
  return addLinkToxic(context, links, { type: 'limit_data', attributes: { bytes } }, options);
}

export function slowClose(context: NemesisContext, links: readonly string[], delayMs: number, options?: LinkToxicOptions): Promise<NemesisRecord> {
  return addLinkToxic(context, links, { type: 'slow_close', attributes: { delay: delayMs } }, options);
}
