import { json, startLoopbackServer, type LoopbackServer } from './loopbackServer';

/**
 * A loopback stand-in for the upstream customer API of customerLookup (SPEC §12):
 * `GET /customers?phone=<E.164>` with a bearer token, answering `{ "data": [...] }`.
 */

export const SAMPLE_CUSTOMERS: Record<string, unknown[]> = {
  '+15551234567': [
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
  '+442071838750': [
    {
      id: 'c-2002',
      firstName: ' Grace ',
      lastName: null,
      email: null,
      tier: 'silver',
      orders: [
        { id: 'o-7', date: '2026-09-30T23:30:00-02:00', total: 0.1 },
        { id: 'o-8', date: '2026-10-01T00:15:00Z', total: 0.2 },
        { id: 'o-9', total: 10 },
      ],
    },
  ],
  '+61291234567': [{ id: 'c-3003', firstName: 'Alan', lastName: 'Turing', tier: 'bronze' }],
};

export interface CustomerApiStandIn extends LoopbackServer {
  readonly requests: number;
  /** Authorization header values seen, one per request. */
  readonly authorizations: ReadonlyArray<string | undefined>;
}

export async function startCustomerApiStandIn(
  isAuthorized: (authorization: string | undefined) => boolean,
  customers: Record<string, unknown[]> = SAMPLE_CUSTOMERS,
): Promise<CustomerApiStandIn> {
  let requests = 0;
  const authorizations: Array<string | undefined> = [];
  const server = await startLoopbackServer(({ method, url, headers }) => {
    requests++;
    authorizations.push(headers.authorization);
    const correlation = { 'x-request-id': `sandbox-${requests}` };
    if (!isAuthorized(headers.authorization)) return json(401, { message: 'invalid or expired token' }, correlation);
    if (method !== 'GET' || url.pathname !== '/customers') return json(404, { message: 'no such route' }, correlation);
    return json(200, { data: customers[url.searchParams.get('phone') ?? ''] ?? [] }, correlation);
  });
  return {
    ...server,
    get requests() {
      return requests;
    },
    authorizations,
  };
}
