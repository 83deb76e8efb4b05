// The course's input and output format (seed 002): branches that replicate one shared account, and
// customers who each talk to the branch of their own id. Used by `faultline bank <input.json>`.
import type { Cluster } from './cluster.js';
import type { BranchId } from '../plan/index.js';
import type { BranchClient } from '../../proto/index.js';
import { callUnary, retryAborted } from './rpc.js';

export type CourseInterface = 'deposit' | 'withdraw' | 'query';

export interface CourseEvent {
  id: number;
  interface: CourseInterface;
  /** Absent for a query. */
  money?: number;
}

export interface CourseInput {
  branches: { id: number; balance: number }[];
  customers: { id: number; events: CourseEvent[] }[];
}

export type CourseReceipt =
  | { interface: 'deposit' | 'withdraw'; result: 'success' | 'fail' }
  | { interface: 'query'; balance: number };

export interface CourseOutputEntry {
  id: number;
  recv: CourseReceipt[];
}

export class CourseInputError extends Error {
  readonly code = 'course-input';
}

/** A call of the run failed (after retries of definite refusals): the run cannot produce its output. */
export class CourseRunError extends Error {
  readonly code = 'course-run';
}

/** The one account every branch replicates. */
export const courseAccount = 'shared';
const branchCountMax = 16;
const customerCountMax = 64;
const eventsPerCustomerMax = 10_000;
const courseCallDeadlineMs = 10_000;
/** ABORTED is a definite refusal (say, lock-free's compare-and-set lost too often): ask again. */
const courseAttemptsMax = 5;
const courseRetryPauseMs = 50;
/** Ids become branch ids b<id>, which must stay short. */
const courseIdMax = 1_000_000;

export function courseBranchId(id: number): BranchId {
  return `b${id}`;
}

/** Parses and checks the whole file; every problem is one line naming where it is. */
export function parseCourseInput(text: string): CourseInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CourseInputError(`input is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new CourseInputError('input must be a non-empty JSON array of branches and customers');
  const input: CourseInput = { branches: [], customers: [] };
  value.forEach((entry: unknown, index) => {
    const where = `entry ${index + 1}`;
    const record = asRecord(entry, where);
    const id = wholeNumber(record.id, `${where}: id`, 1, courseIdMax);
    if (record.type === 'branch') input.branches.push({ id, balance: wholeNumber(record.balance, `branch ${id}: balance`, 0) });
    else if (record.type === 'customer') input.customers.push({ id, events: parseEvents(record.events, `customer ${id}`) });
    else throw new CourseInputError(`${where}: type must be "branch" or "customer", got ${JSON.stringify(record.type)}`);
  });
  checkWhole(input);
  return input;
}

function parseEvents(value: unknown, where: string): CourseEvent[] {
  if (!Array.isArray(value)) throw new CourseInputError(`${where}: events must be an array`);
  if (value.length > eventsPerCustomerMax) throw new CourseInputError(`${where}: at most ${eventsPerCustomerMax} events, got ${value.length}`);
  return value.map((entry: unknown, index) => {
    const eventWhere = `${where}, event ${index + 1}`;
    const record = asRecord(entry, eventWhere);
    const id = wholeNumber(record.id, `${eventWhere}: id`, 0);
    const kind = record.interface;
    if (kind === 'query') {
      if (record.money !== undefined) throw new CourseInputError(`${eventWhere}: a query takes no money`);
      return { id, interface: kind };
    }
    if (kind !== 'deposit' && kind !== 'withdraw') {
      throw new CourseInputError(`${eventWhere}: interface must be "deposit", "withdraw" or "query", got ${JSON.stringify(kind)}`);
    }
    return { id, interface: kind, money: wholeNumber(record.money, `${eventWhere}: money`, 1) };
  });
}

function checkWhole(input: CourseInput): void {
  const { branches, customers } = input;
  if (branches.length === 0) throw new CourseInputError('input has no branch');
  if (branches.length > branchCountMax) throw new CourseInputError(`at most ${branchCountMax} branches, got ${branches.length}`);
  if (customers.length > customerCountMax) throw new CourseInputError(`at most ${customerCountMax} customers, got ${customers.length}`);
  const first = branches[0];
  for (const branch of branches) {
    if (first !== undefined && branch.balance !== first.balance) {
      throw new CourseInputError(
        `every branch must start with the same balance of the one shared account: branch ${first.id} has ${first.balance}, branch ${branch.id} has ${branch.balance}`,
      );
    }
  }
  repeatedId(branches, 'branch');
  repeatedId(customers, 'customer');
  const branchIdsGiven = new Set(branches.map((branch) => branch.id));
  for (const customer of customers) {
    if (!branchIdsGiven.has(customer.id)) throw new CourseInputError(`customer ${customer.id} has no branch ${customer.id} to talk to`);
  }
}

function repeatedId(entries: { id: number }[], kind: string): void {
  const seen = new Set<number>();
  for (const entry of entries) {
    if (seen.has(entry.id)) throw new CourseInputError(`${kind} id ${entry.id} appears twice`);
    seen.add(entry.id);
  }
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CourseInputError(`${where} must be a JSON object`);
  return value as Record<string, unknown>;
}

function wholeNumber(value: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new CourseInputError(`${where} must be a whole number, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  if (value < min) throw new CourseInputError(`${where} must be at least ${min}, got ${value}`);
  if (value > max) throw new CourseInputError(`${where} must be at most ${max}, got ${value}`);
  return value;
}

/** Customers run concurrently; each customer's events run in order, each waiting for the last reply. */
export async function runCourse(input: CourseInput, cluster: Cluster): Promise<CourseOutputEntry[]> {
  return Promise.all(input.customers.map(async (customer) => {
    const client = cluster.client(courseBranchId(customer.id));
    const clientId = `customer-${customer.id}`;
    const recv: CourseReceipt[] = [];
    for (const [index, event] of customer.events.entries()) {
      // The position, not the event id, makes the idempotency key: a file may repeat an event id.
      const identity = { clientId, requestId: `${clientId}-event-${index + 1}` };
      try {
        recv.push(await retryAborted(() => runEvent(client, event, identity), { attemptsMax: courseAttemptsMax, pauseMs: courseRetryPauseMs }));
      } catch (error) {
        throw new CourseRunError(`customer ${customer.id}, event ${index + 1} (${event.interface}): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { id: customer.id, recv };
  }));
}

async function runEvent(client: BranchClient, event: CourseEvent, identity: { clientId: string; requestId: string }): Promise<CourseReceipt> {
  if (event.interface === 'query') {
    const reply = await callUnary(client.query.bind(client), { clientId: identity.clientId, account: courseAccount }, courseCallDeadlineMs, identity);
    return { interface: 'query', balance: reply.balance };
  }
  const request = { ...identity, account: courseAccount, amount: event.money ?? 0 };
  if (event.interface === 'deposit') {
    await callUnary(client.deposit.bind(client), request, courseCallDeadlineMs, identity);
    return { interface: 'deposit', result: 'success' };
  }
  const reply = await callUnary(client.withdraw.bind(client), request, courseCallDeadlineMs, identity);
  return { interface: 'withdraw', result: reply.applied ? 'success' : 'fail' };
}
