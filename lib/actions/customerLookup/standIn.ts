import { defineStandIn, firstRoute, startApiStandIn, type ActionStandIn, type ApiRoute, type ApiStandIn, type IsAuthorized } from '../../../tools/standIns/apiStandIn';
import { json } from '../../../tools/standIns/loopbackServer';

/**
 * The loopback stand-in for customerLookup's upstream customer API (docs/design.md §12):
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

export function customerRoute(customers: Record<string, unknown[]> = SAMPLE_CUSTOMERS): ApiRoute {
  return ({ method, url }) => {
    if (url.pathname !== '/customers') return undefined;
    if (method !== 'GET') return json(404, { message: 'no such route' });
    return json(200, { data: customers[url.searchParams.get('phone') ?? ''] ?? [] });
  };
}

export const standIn: ActionStandIn = defineStandIn(SAMPLE_CUSTOMERS, customerRoute);

export type CustomerApiStandIn = ApiStandIn;

export function startCustomerApiStandIn(isAuthorized: IsAuthorized, customers: Record<string, unknown[]> = SAMPLE_CUSTOMERS): Promise<CustomerApiStandIn> {
  return startApiStandIn(isAuthorized, firstRoute([customerRoute(customers)]));
}
