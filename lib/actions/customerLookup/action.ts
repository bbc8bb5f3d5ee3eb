import * as z from 'zod';
import { defineAction } from '../../runtime/action';

/**
 * customerLookup (docs/design.md §12): finds a customer by phone number and returns who they are,
 * their tier and a summary of their orders, flat for a data action's output contract.
 */

const E164 = /^\+[1-9]\d{7,14}$/;

const Input = z.object(
  {
    phoneNumber: z
      .string({
        error: (issue) => (issue.input === undefined ? 'phoneNumber is required' : 'phoneNumber must be a string'),
      })
      .trim()
      .regex(E164, 'phoneNumber must be E.164: "+", then 8 to 15 digits with no spaces, e.g. +15551234567'),
  },
  { error: 'input must be a JSON object like {"phoneNumber": "+15551234567"}' },
);

/** Upstream fields that are null count as missing (docs/design.md §12). */
const optionalText = z.string().nullish();

/**
 * An order total: never negative, at most two decimals, read as whole cents (a bigint) so
 * that totals sum exactly (docs/design.md §12); floating-point sums drift once cents pass 2^53.
 */
const Amount = z
  .number()
  .min(0, 'total must not be negative')
  .refine((amount) => Number.isSafeInteger(Math.round(amount * 100)) && Math.round(amount * 100) / 100 === amount, {
    message: 'total must have at most two decimals',
  })
  .transform((amount) => BigInt(Math.round(amount * 100)));

/** The largest sum returned: Number.MAX_SAFE_INTEGER cents, the most a number counts exactly. */
const MAX_SUM_CENTS = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_SUM = `${MAX_SUM_CENTS / 100n}.${String(MAX_SUM_CENTS % 100n).padStart(2, '0')}`;

function totalCents(orders: ReadonlyArray<{ total?: bigint | null }>): bigint {
  let cents = 0n;
  for (const { total } of orders) cents += total ?? 0n;
  return cents;
}

/** ISO 8601 / RFC 3339 dates: a calendar date, optionally a time, optionally an offset. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * The instant a date names, or undefined when it is not an ISO 8601 date of the calendar
 * (Date.parse alone accepts "1" and 2026-02-30). A date-time without an offset is taken as
 * UTC, so the result does not depend on the machine's time zone.
 */
export function parseInstant(date: string): number | undefined {
  const match = ISO_DATE.exec(date.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, , , offset] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return undefined;
  const instant = Date.parse(hour !== undefined && offset === undefined ? `${date.trim()}Z` : date.trim());
  return Number.isNaN(instant) ? undefined : instant;
}

/** Parsed once, by the schema: the date as given (for the output) and its instant (for comparing). */
const OrderDate = z.string().transform((text, ctx) => {
  const instant = parseInstant(text);
  if (instant === undefined) {
    ctx.addIssue({ code: 'custom', message: 'date must be an ISO 8601 date' });
    return z.NEVER;
  }
  return { text, instant };
});

const Order = z.object({ id: optionalText, date: OrderDate.nullish(), total: Amount.nullish() });
/** A transform, not a refine: it runs only once every order parsed, so every total is cents. */
const Orders = z.array(Order).transform((orders, ctx) => {
  if (totalCents(orders) <= MAX_SUM_CENTS) return orders;
  ctx.addIssue({ code: 'custom', input: orders, message: `the totals sum to more than ${MAX_SUM} (Number.MAX_SAFE_INTEGER cents), too large for lifetimeValue` });
  return z.NEVER;
});
const Customer = z.object({
  id: z.string({ error: 'id is required on the first match' }).min(1, 'id is required on the first match'),
  firstName: optionalText,
  lastName: optionalText,
  email: optionalText,
  tier: optionalText,
  orders: Orders.nullish(),
});

/** Several matches: only the first is validated and used; later ones may be anything. */
const LookupResponse = z.object({
  data: z
    .array(z.unknown())
    .transform((matches) => matches[0])
    .pipe(Customer.optional()),
});

const Output = z.object({
  found: z.boolean(),
  customerId: z.string().optional(),
  fullName: z.string().optional(),
  email: z.string().optional(),
  tier: z.string().optional(),
  orderCount: z.number().int().nonnegative().optional(),
  lastOrderDate: z.string().optional(),
  lifetimeValue: z.number().optional(),
});

type Customer = z.infer<typeof Customer>;
type Order = z.infer<typeof Order>;
type Output = z.infer<typeof Output>;

function presentName(name: string | null | undefined): string | undefined {
  const trimmed = name?.trim();
  return trimmed ? trimmed : undefined;
}

/** The date string, as given, of the latest order; the earlier-listed order wins a tie. */
function latestOrderDate(orders: readonly Order[]): string | undefined {
  let latest: { text: string; instant: number } | undefined;
  for (const { date } of orders) {
    if (date != null && (!latest || date.instant > latest.instant)) latest = date;
  }
  return latest?.text;
}

export function summariseCustomer(customer: Customer): Output {
  const orders = customer.orders ?? [];
  const fullName = [presentName(customer.firstName), presentName(customer.lastName)].filter(Boolean).join(' ');
  const lastOrderDate = latestOrderDate(orders);
  return {
    found: true,
    customerId: customer.id,
    ...(fullName && { fullName }),
    ...(customer.email != null && { email: customer.email }),
    ...(customer.tier != null && { tier: customer.tier }),
    orderCount: orders.length,
    ...(lastOrderDate !== undefined && { lastOrderDate }),
    lifetimeValue: Number(totalCents(orders)) / 100,
  };
}

export const customerLookup = defineAction({
  name: 'customerLookup',
  description: 'Finds a customer by E.164 phone number and summarises their orders.',
  input: Input,
  request: ({ phoneNumber }) => ({ method: 'GET', path: '/customers', query: { phone: phoneNumber } }),
  response: LookupResponse,
  transform: ({ data: firstMatch }) => (firstMatch ? summariseCustomer(firstMatch) : { found: false }),
  output: Output,
  requiredConfig: ['UPSTREAM_BASE_URL'],
});
