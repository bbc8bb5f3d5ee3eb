import { emfRecords, summariseMetrics } from '../../tools/sandbox/metricsSummary';

/** What `npm start` prints from the EMF lines it saw (tools/sandbox/metricsSummary.ts). */
describe('the sandbox metrics summary', () => {
  const line = (fields: Record<string, unknown>) => `${JSON.stringify({ _aws: { Timestamp: 0, CloudWatchMetrics: [] }, service: 'data-action-bridge', ...fields })}\n`;

  it('sums per action (a count not written is none), names errors by code and ignores other stdout text', () => {
    const written = [
      line({ action: 'customerLookup', Invocations: 1, Errors: 0, Duration: 9, TokenRequests: 1, SecretFetches: 1, ColdStart: 1 }),
      'an ordinary log line\n',
      line({ action: 'customerLookup', Invocations: 1, Errors: 1, Error_INPUT_INVALID: 1, Duration: 1 }) +
        line({ action: 'customerLookup', Invocations: 1, Errors: 0, Duration: 2, TokenCacheHits: 1 }),
      line({ action: 'agentState', Invocations: 1, Errors: 1, Error_TOKEN_INVALID_CLIENT: 1, Duration: 40, TokenRequests: 1, SecretFetches: 1, ColdStart: 1 }),
    ];

    expect(summariseMetrics(emfRecords(written))).toStrictEqual([
      'customerLookup: 3 invocations, 1 errors (1 INPUT_INVALID), median 2.0 ms, 1 token requests, 1 secret fetches, 1 cold starts',
      'agentState: 1 invocations, 1 errors (1 TOKEN_INVALID_CLIENT), median 40.0 ms, 1 token requests, 1 secret fetches, 1 cold starts',
    ]);
  });
});
