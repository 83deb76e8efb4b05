// The course input parser: what it accepts, and the one-line reason it gives for what it refuses.
import { describe, expect, it } from 'vitest';
import { CourseInputError, parseCourseInput } from './course.js';

const branch = (id: number, balance: number): unknown => ({ id, type: 'branch', balance });
const customer = (id: number, events: unknown): unknown => ({ id, type: 'customer', events });

function refusal(input: unknown): string {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  try {
    parseCourseInput(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CourseInputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseCourseInput', () => {
  it('reads branches and customers with their events in order', () => {
    const input = parseCourseInput(JSON.stringify([
      branch(1, 400),
      branch(2, 400),
      customer(2, [{ id: 7, interface: 'deposit', money: 170 }, { id: 8, interface: 'query' }, { id: 9, interface: 'withdraw', money: 5 }]),
    ]));
    expect(input.branches).toEqual([{ id: 1, balance: 400 }, { id: 2, balance: 400 }]);
    expect(input.customers).toEqual([{
      id: 2,
      events: [{ id: 7, interface: 'deposit', money: 170 }, { id: 8, interface: 'query' }, { id: 9, interface: 'withdraw', money: 5 }],
    }]);
  });

  it('refuses what is not the format, saying where', () => {
    expect(refusal('[{"id":1,')).toMatch(/^input is not JSON/);
    expect(refusal({ id: 1 })).toMatch(/non-empty JSON array/);
    expect(refusal([])).toMatch(/non-empty JSON array/);
    expect(refusal([branch(1, 10), 'x'])).toBe('entry 2 must be a JSON object');
    expect(refusal([{ id: 1, type: 'teller' }])).toMatch(/^entry 1: type must be "branch" or "customer"/);
    expect(refusal([{ id: 0, type: 'branch', balance: 1 }])).toMatch(/^entry 1: id must be at least 1/);
    expect(refusal([{ id: 1.5, type: 'branch', balance: 1 }])).toMatch(/^entry 1: id must be a whole number/);
    expect(refusal([branch(1, -1)])).toMatch(/^branch 1: balance must be at least 0/);
    expect(refusal([branch(1, 10), customer(1, {})])).toMatch(/^customer 1: events must be an array/);
  });

  it('refuses bad events: negative or missing money, unknown interfaces, money on a query', () => {
    expect(refusal([branch(1, 10), customer(1, [{ id: 1, interface: 'deposit', money: -5 }])]))
      .toBe('customer 1, event 1: money must be at least 1, got -5');
    expect(refusal([branch(1, 10), customer(1, [{ id: 1, interface: 'withdraw' }])])).toMatch(/event 1: money must be a whole number/);
    expect(refusal([branch(1, 10), customer(1, [{ id: 1, interface: 'deposit', money: 2.5 }])])).toMatch(/money must be a whole number/);
    expect(refusal([branch(1, 10), customer(1, [{ id: 1, interface: 'transfer', money: 5 }])])).toMatch(/interface must be/);
    expect(refusal([branch(1, 10), customer(1, [{ id: 1, interface: 'query', money: 5 }])])).toMatch(/a query takes no money/);
  });

  it('refuses a whole that does not fit together', () => {
    expect(refusal([customer(1, [])])).toBe('input has no branch');
    expect(refusal([branch(1, 10), branch(2, 20)])).toMatch(/same balance.*branch 1 has 10, branch 2 has 20/);
    expect(refusal([branch(1, 10), branch(1, 10)])).toBe('branch id 1 appears twice');
    expect(refusal([branch(1, 10), customer(1, []), customer(1, [])])).toBe('customer id 1 appears twice');
    expect(refusal([branch(1, 10), customer(3, [])])).toBe('customer 3 has no branch 3 to talk to');
  });
});
