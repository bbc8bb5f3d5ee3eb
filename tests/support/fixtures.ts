/** The reference action's sample input and its exact output (docs/design.md §12), shared by the suites. */
export const FOUND = { phoneNumber: '+15551234567' };

export const ADA = {
  found: true,
  customerId: 'c-1001',
  fullName: 'Ada Lovelace',
  email: 'ada@example.com',
  tier: 'gold',
  orderCount: 2,
  lastOrderDate: '2026-11-02T08:30:00Z',
  lifetimeValue: 199.75,
};
