import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { customerLookup, summariseCustomer } from './action';
import { captureLogs, type CapturedLogs } from '../../../tests/setup/logs';
import { invoke } from '../../../tests/support/bridge';
import { jsonReply, startFaultyServer } from '../../../tests/support/faultyServer';
import { useSandbox } from '../../../tests/support/sandboxProcess';
import { Servers } from '../../../tests/support/standIns';
import { createDirectHandler } from '../../front/directInvoke';

/** docs/design.md §12, without a network: the action's schemas and transform as the pipeline runs them. */

const INPUT = { phoneNumber: '+15551234567' };

/** Response schema, then transform, then output contract: what the pipeline does after the upstream call. */
function lookup(body: unknown): unknown {
  const response = customerLookup.response.parse(body);
  return customerLookup.output.parse(customerLookup.transform(response, INPUT));
}

function customer(fields: Record<string, unknown>): { data: unknown[] } {
  return { data: [{ id: 'c-1', ...fields }] };
}

function responseProblems(body: unknown): string {
  const parsed = customerLookup.response.safeParse(body);
  if (parsed.success) throw new Error('expected the response schema to reject the body');
  return parsed.error.issues.map((issue) => issue.message).join('; ');
}

function inputProblems(input: unknown): string {
  const parsed = customerLookup.input.safeParse(input);
  if (parsed.success) throw new Error('expected the input schema to reject the input');
  return parsed.error.issues.map((issue) => issue.message).join('; ');
}

let logs: CapturedLogs;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
});

describe('customerLookup transform', () => {
  it('turns the SPEC sample response into exactly the SPEC sample output', () => {
    const body = {
      data: [
        {
          id: 'c-1001',
          firstName: 'Ada',
          lastName: 'Lovelace',
          email: 'ada@example.com',
          tier: 'gold',
          orders: [
            { id: 'o-1', date: '2026-10-01T10:00:00Z', total: 120.5 },
            { id: 'o-2', date: '2026-11-02T08:30:00Z', total: 79.25 },
          ],
        },
      ],
    };

    const output = lookup(body);

    expect(output).toStrictEqual({
      found: true,
      customerId: 'c-1001',
      fullName: 'Ada Lovelace',
      email: 'ada@example.com',
      tier: 'gold',
      orderCount: 2,
      lastOrderDate: '2026-11-02T08:30:00Z',
      lifetimeValue: 199.75,
    });
  });

  it('answers exactly { found: false } when there is no match', () => {
    expect(lookup({ data: [] })).toStrictEqual({ found: false });
  });

  it('treats null fields as missing', () => {
    const output = lookup(customer({ firstName: null, lastName: null, email: null, tier: null, orders: null }));

    expect(output).toStrictEqual({ found: true, customerId: 'c-1', orderCount: 0, lifetimeValue: 0 });
  });

  describe('names', () => {
    it('trims names and joins the present ones with one space', () => {
      expect(lookup(customer({ firstName: '  Ada\t', lastName: '\nLovelace ' }))).toMatchObject({ fullName: 'Ada Lovelace' });
    });

    it('uses the last name alone when the first name is empty', () => {
      expect(lookup(customer({ firstName: '   ', lastName: 'Lovelace' }))).toMatchObject({ fullName: 'Lovelace' });
    });

    it('uses the first name alone when the last name is missing', () => {
      expect(lookup(customer({ firstName: 'Ada' }))).toMatchObject({ fullName: 'Ada' });
    });

    it('omits fullName when both names are missing or empty', () => {
      const output = lookup(customer({ firstName: '', lastName: ' ' }));

      expect(output).not.toHaveProperty('fullName');
    });
  });

  it('omits email and tier when they are missing', () => {
    const output = lookup(customer({ firstName: 'Ada' }));

    expect(output).not.toHaveProperty('email');
    expect(output).not.toHaveProperty('tier');
  });

  describe('orders', () => {
    it('counts no orders and a lifetime value of 0 when orders is missing', () => {
      const output = lookup(customer({}));

      expect(output).toStrictEqual({ found: true, customerId: 'c-1', orderCount: 0, lifetimeValue: 0 });
    });

    it('counts every order, dated or not', () => {
      const output = lookup(customer({ orders: [{ id: 'a' }, { id: 'b', date: '2026-01-01T00:00:00Z' }, {}] }));

      expect(output).toMatchObject({ orderCount: 3 });
    });

    it('picks the latest order by instant, respecting time zone offsets, and returns its date as given', () => {
      const orders = [
        { id: 'utc', date: '2026-10-01T00:15:00Z' },
        // 2026-10-01T01:30:00Z: later, although its local date is the day before.
        { id: 'offset', date: '2026-09-30T23:30:00-02:00' },
        { id: 'early', date: '2026-10-01T09:00:00+09:00' },
      ];

      expect(lookup(customer({ orders }))).toMatchObject({ lastOrderDate: '2026-09-30T23:30:00-02:00' });
    });

    it('lets the earlier-listed order win a tie between equal instants', () => {
      const orders = [
        { id: 'first', date: '2026-10-01T02:00:00+02:00' },
        { id: 'second', date: '2026-10-01T00:00:00Z' },
      ];

      expect(lookup(customer({ orders }))).toMatchObject({ lastOrderDate: '2026-10-01T02:00:00+02:00' });
    });

    it('ignores orders without a date', () => {
      const orders = [{ id: 'undated' }, { id: 'dated', date: '2025-01-02T03:04:05Z' }, { id: 'null', date: null }];

      expect(lookup(customer({ orders }))).toMatchObject({ lastOrderDate: '2025-01-02T03:04:05Z' });
    });

    it('omits lastOrderDate when no order has a date', () => {
      const output = lookup(customer({ orders: [{ id: 'a', total: 5 }, { id: 'b', date: null }] }));

      expect(output).not.toHaveProperty('lastOrderDate');
    });

    it('rejects an order date that cannot be parsed', () => {
      const body = customer({ orders: [{ id: 'a', date: 'yesterday-ish' }] });

      expect(responseProblems(body)).toContain('date must be an ISO 8601 date');
    });

    it.each(['1', '2026-02-30', '2026-13-01', '2026-11-02T25:00:00Z', 'Nov 2, 2026'])('rejects %p, which Date.parse alone would accept or roll over', (date) => {
      expect(responseProblems(customer({ orders: [{ id: 'a', date }] }))).toContain('date must be an ISO 8601 date');
    });

    it('reads a date-time without an offset as UTC, whatever the machine time zone', () => {
      // JavaScript reads an offset-less date-time as local time, so on a UTC machine this could not fail. A test
      // cannot move the jest worker's zone (process.env.TZ there is jest's copy, which Node never sees): the
      // transform runs in a child process at UTC+14, where 08:30 local is 18:30 UTC the day before.
      const body = customer({ orders: [{ id: 'a', date: '2026-11-02T08:30:00' }, { id: 'b', date: '2026-11-02T09:00:00+01:00' }] });
      const child = [
        'const { customerLookup } = require(process.argv[1]);',
        'const output = customerLookup.transform(customerLookup.response.parse(JSON.parse(process.argv[2])), JSON.parse(process.argv[3]));',
        'process.stdout.write(JSON.stringify({ timezoneOffsetMinutes: new Date(2026, 10, 2).getTimezoneOffset(), output }));',
      ].join('\n');

      const printed = execFileSync(process.execPath, ['--import', 'tsx', '-e', child, join(__dirname, 'action.ts'), JSON.stringify(body), JSON.stringify(INPUT)], {
        env: { ...process.env, TZ: 'Pacific/Kiritimati' },
        encoding: 'utf8',
      });

      expect(JSON.parse(printed)).toMatchObject({ timezoneOffsetMinutes: -14 * 60, output: { lastOrderDate: '2026-11-02T08:30:00' } });
    });

    it('rejects a total with more than two decimals', () => {
      const body = customer({ orders: [{ id: 'a', total: 10.005 }] });

      expect(responseProblems(body)).toContain('total must have at most two decimals');
    });

    it('accepts two-decimal totals that binary floating point cannot hold exactly', () => {
      const output = lookup(customer({ orders: [{ total: 1.15 }, { total: 0.29 }, { total: 8.56 }] }));

      expect(output).toMatchObject({ lifetimeValue: 10 });
    });

    it('sums totals exactly in cents (0.1 + 0.2 is 0.3)', () => {
      const output = lookup(customer({ orders: [{ total: 0.1 }, { total: 0.2 }] }));

      expect(output).toMatchObject({ lifetimeValue: 0.3 });
    });

    it('sums many small amounts without drift', () => {
      const orders = Array.from({ length: 1000 }, () => ({ total: 0.01 }));
      orders.push({ total: 0.07 }, { total: 1234.56 });

      expect(lookup(customer({ orders }))).toMatchObject({ orderCount: 1002, lifetimeValue: 1244.63 });
    });

    it('rejects a negative total, naming it', () => {
      expect(responseProblems(customer({ orders: [{ total: 10 }, { total: -0.01 }] }))).toBe('total must not be negative');
    });

    it('rejects totals that sum past Number.MAX_SAFE_INTEGER cents: three orders of 40,000,000,000,000.01 are not 120,000,000,000,000.05', () => {
      const orders = Array.from({ length: 3 }, () => ({ total: 40_000_000_000_000.01 }));

      expect(responseProblems(customer({ orders }))).toBe('the totals sum to more than 90071992547409.91 (Number.MAX_SAFE_INTEGER cents), too large for lifetimeValue');
    });

    it('sums up to exactly Number.MAX_SAFE_INTEGER cents, and not one cent more', () => {
      const atLimit = [{ total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.31 }];
      const oneCentMore = [{ total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.31 }, { total: 30_023_997_515_803.31 }];

      expect(lookup(customer({ orders: atLimit }))).toMatchObject({ lifetimeValue: 90_071_992_547_409.91 });
      expect(responseProblems(customer({ orders: oneCentMore }))).toContain('the totals sum to more than 90071992547409.91');
    });

    it('counts a missing or null total as 0', () => {
      const output = lookup(customer({ orders: [{ total: 12.34 }, {}, { total: null }] }));

      expect(output).toMatchObject({ orderCount: 3, lifetimeValue: 12.34 });
    });
  });

  describe('lifetimeValue, for any two-decimal totals (fast-check)', () => {
    const MAX_SUM_CENTS = BigInt(Number.MAX_SAFE_INTEGER);
    /** An amount as an upstream writes it in JSON: whole units, a point, two decimals. */
    const decimal = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
    // Up to 2^51 cents an order's total is a double that still tells its cents apart; four or
    // more orders near that bound sum past Number.MAX_SAFE_INTEGER (2^53 - 1) cents.
    const orderCents = fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 2n ** 50n, max: 2n ** 51n }));

    it('is the exact sum of the totals as written, or UPSTREAM_INVALID_RESPONSE once that passes Number.MAX_SAFE_INTEGER cents', () => {
      const seen = { summed: 0, refused: 0 };
      fc.assert(
        fc.property(fc.array(orderCents, { maxLength: 12 }), (cents) => {
          const body = JSON.parse(`{"data":[{"id":"c-1","orders":[${cents.map((c) => `{"total":${decimal(c)}}`).join(',')}]}]}`) as unknown;
          const sum = cents.reduce((total, c) => total + c, 0n);

          if (sum <= MAX_SUM_CENTS) {
            seen.summed++;
            expect(lookup(body)).toMatchObject({ orderCount: cents.length, lifetimeValue: Number(decimal(sum)) });
          } else {
            seen.refused++;
            expect(responseProblems(body)).toContain('the totals sum to more than 90071992547409.91');
          }
        }),
        { numRuns: 300 },
      );

      expect(seen.summed).toBeGreaterThan(0);
      expect(seen.refused).toBeGreaterThan(0);
    });

    it('refuses any negative total', () => {
      fc.assert(
        fc.property(fc.integer({ min: -1_000_000, max: -1 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 4 }), (negative, others) => {
          const orders = [...others, negative].map((cents) => ({ total: cents / 100 }));

          expect(responseProblems(customer({ orders }))).toBe('total must not be negative');
        }),
      );
    });
  });

  describe('matches', () => {
    it('uses the first of several matches and ignores the rest, even when they are malformed', () => {
      const body = { data: [{ id: 'c-first', firstName: 'Ada' }, { firstName: 42, orders: 'garbage' }, null] };

      expect(lookup(body)).toStrictEqual({ found: true, customerId: 'c-first', fullName: 'Ada', orderCount: 0, lifetimeValue: 0 });
    });

    it('rejects a first match without an id', () => {
      const body = { data: [{ firstName: 'Ada' }, { id: 'c-2' }] };

      expect(responseProblems(body)).toContain('id is required on the first match');
    });

    it('ignores extra upstream fields', () => {
      const body = {
        meta: { page: 1 },
        data: [{ id: 'c-1', firstName: 'Ada', internalScore: 99, orders: [{ id: 'o', total: 1, currency: 'EUR', lines: [1, 2] }] }],
      };

      expect(lookup(body)).toStrictEqual({ found: true, customerId: 'c-1', fullName: 'Ada', orderCount: 1, lifetimeValue: 1 });
    });
  });

  it('summariseCustomer, on its own, summarises one parsed match: id, name, order count, last order date as given, lifetime value', () => {
    const parsed = customerLookup.response.parse(customer({ firstName: 'Grace', orders: [{ date: '2026-01-01T00:00:00Z', total: 2.5 }] }));
    const first = parsed.data;
    if (first === undefined) throw new Error('expected a match');

    expect(summariseCustomer(first)).toStrictEqual({
      found: true,
      customerId: 'c-1',
      fullName: 'Grace',
      orderCount: 1,
      lastOrderDate: '2026-01-01T00:00:00Z',
      lifetimeValue: 2.5,
    });
  });
});

describe('customerLookup input', () => {
  it.each([
    ['+15551234567', '+15551234567'],
    ['+12345678', '+12345678'], // 8 digits, the shortest
    ['+123456789012345', '+123456789012345'], // 15 digits, the longest
    ['  +442071838750\t', '+442071838750'],
  ])('accepts %j as %j', (phoneNumber, expected) => {
    expect(customerLookup.input.parse({ phoneNumber })).toStrictEqual({ phoneNumber: expected });
  });

  it('ignores unknown extra keys', () => {
    expect(customerLookup.input.parse({ phoneNumber: '+15551234567', channel: 'voice' })).toStrictEqual({ phoneNumber: '+15551234567' });
  });

  it.each([
    ['7 digits', '+1234567'],
    ['16 digits', '+1234567890123456'],
    ['a leading zero', '+05551234567'],
    ['no plus sign', '15551234567'],
    ['inner spaces', '+1 555 123 4567'],
    ['letters', '+1555CALLNOW'],
    ['an empty string', ''],
  ])('rejects a number with %s, naming phoneNumber', (_case, phoneNumber) => {
    expect(inputProblems({ phoneNumber })).toMatch(/^phoneNumber must be E\.164/);
  });

  it('rejects a missing phoneNumber, naming it', () => {
    expect(inputProblems({})).toBe('phoneNumber is required');
  });

  it.each([[15551234567], [null], [true], [['+15551234567']]])('rejects a phoneNumber that is not a string (%j), naming it', (phoneNumber) => {
    expect(inputProblems({ phoneNumber })).toContain('phoneNumber must be a string');
  });

  it.each([['+15551234567'], [null], [undefined], [['+15551234567']], [42]])('rejects input that is not an object (%j), naming input', (input) => {
    expect(inputProblems(input)).toMatch(/^input must be a JSON object/);
  });
});

describe('customerLookup: money from the upstream (docs/design.md §12)', () => {
  // Over a real socket: the sandbox's secret and token, the upstream a faulty server answering these orders.
  const servers = new Servers();
  const hooks = useSandbox(servers);

  /** A cold customerLookup container whose upstream answers one customer with these orders. */
  async function customerWithOrders(orders: unknown[]) {
    const upstream = servers.track(await startFaultyServer());
    upstream.otherwise(jsonReply(200, { data: [{ id: 'c-1', orders }] }, { 'x-request-id': 'money-1' }));
    return createDirectHandler(customerLookup, { ...hooks.current().sandbox.env, CUSTOMER_LOOKUP__UPSTREAM_BASE_URL: upstream.url });
  }

  it('refuses three orders of 40,000,000,000,000.01 (a floating-point sum said 120,000,000,000,000.05): UPSTREAM_INVALID_RESPONSE naming the orders', async () => {
    const handler = await customerWithOrders(Array.from({ length: 3 }, (_, i) => ({ id: `o-${i}`, total: 40_000_000_000_000.01 })));

    await expect(invoke(handler, { phoneNumber: '+15551234567' })).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID_RESPONSE',
      status: 200,
      message: expect.stringContaining('data.orders: the totals sum to more than 90071992547409.91 (Number.MAX_SAFE_INTEGER cents), too large for lifetimeValue (HTTP 200, correlation id money-1)'),
    });
  });

  it('refuses a negative order total: UPSTREAM_INVALID_RESPONSE naming the field', async () => {
    const handler = await customerWithOrders([{ id: 'o-1', total: 120.5 }, { id: 'o-2', total: -79.25 }]);

    await expect(invoke(handler, { phoneNumber: '+15551234567' })).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID_RESPONSE',
      message: expect.stringContaining('data.orders.1.total: total must not be negative'),
    });
  });

  it('answers a lifetime value of exactly Number.MAX_SAFE_INTEGER cents', async () => {
    const handler = await customerWithOrders([{ total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.31 }]);

    await expect(invoke(handler, { phoneNumber: '+15551234567' })).resolves.toStrictEqual({ found: true, customerId: 'c-1', orderCount: 3, lifetimeValue: 90_071_992_547_409.91 });
  });
});
