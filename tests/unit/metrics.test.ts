import { customerLookup } from '../../lib/actions/customerLookup/action';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { invoke, openBridge, type Bridge } from '../support/bridge';
import { ADA } from '../support/fixtures';
import { captureEmfWrites } from '../../tools/sandbox/metricsSummary';

/**
 * One CloudWatch embedded-metric-format line per invocation (issue 12, lib/runtime/metrics.ts),
 * written by Powertools to stdout: namespace, dimensions service and action, the outcome by
 * error code, duration, upstream latency, token requests, secret fetches, cache hits,
 * per-token 429s and cold start; never an input value, secret or token.
 */

const FOUND = { phoneNumber: '+15551234567' };

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

let logs: CapturedLogs;
let bridge: Bridge;
let emf: string[];
let saved: string | undefined;
let restoreStdout: () => void;

beforeEach(async () => {
  logs = captureLogs();
  bridge = await openBridge();
  saved = process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  emf = [];
  restoreStdout = captureEmfWrites((text) => emf.push(text));
});
afterEach(async () => {
  restoreStdout();
  process.env.POWERTOOLS_METRICS_DISABLED = saved;
  logs.restore();
  await bridge.close();
});

const lines = () => emf.map((text) => JSON.parse(text) as EmfLine);
const namesOf = (line: EmfLine) => line._aws.CloudWatchMetrics[0]!.Metrics.map(({ Name }) => Name);

describe('one EMF line per invocation', () => {
  it('a cold then a warm invocation: namespace, dimensions service and action, and the counts', async () => {
    const handler = bridge.coldContainer();

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    const [cold, warm] = lines();
    expect(lines()).toHaveLength(2);
    expect(cold!._aws.CloudWatchMetrics).toStrictEqual([
      {
        Namespace: 'DataActionBridge',
        Dimensions: [['service', 'action']],
        Metrics: [
          { Name: 'Invocations', Unit: 'Count' },
          { Name: 'Errors', Unit: 'Count' },
          { Name: 'Duration', Unit: 'Milliseconds' },
          { Name: 'UpstreamLatency', Unit: 'Milliseconds' },
          { Name: 'TokenRequests', Unit: 'Count' },
          { Name: 'SecretFetches', Unit: 'Count' },
          { Name: 'ColdStart', Unit: 'Count' },
        ],
      },
    ]);
    expect(cold).toMatchObject({ service: 'data-action-bridge', action: 'customerLookup', Invocations: 1, Errors: 0, TokenRequests: 1, SecretFetches: 1, ColdStart: 1 });
    // Counts are written when they happened: a warm invocation's line holds five metrics.
    expect(namesOf(warm!)).toStrictEqual(['Invocations', 'Errors', 'Duration', 'UpstreamLatency', 'TokenCacheHits']);
    expect(warm).toMatchObject({ Invocations: 1, Errors: 0, TokenCacheHits: 1 });
    for (const name of ['TokenRequests', 'SecretFetches', 'TokenLimited429s', 'ColdStart']) expect(warm).not.toHaveProperty(name);
    expect(cold!.Duration).toEqual(expect.any(Number));
    expect(cold!.UpstreamLatency as number).toBeLessThanOrEqual(cold!.Duration as number);
  });

  it('reports a cold start once per process: a second container (another action of the HTTPS front) is not cold', async () => {
    await invoke(bridge.coldContainer(), FOUND);

    expect(lines()[0]).not.toHaveProperty('ColdStart');
    expect(namesOf(lines()[0]!)).not.toContain('ColdStart');
  });

  it('counts a failure by its error code, invalid input too, and holds no input value', async () => {
    const handler = bridge.coldContainer();

    await expect(invoke(handler, { phoneNumber: '+1 CANARY-phone-000' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });

    const [line] = lines();
    expect(line).toMatchObject({ Invocations: 1, Errors: 1, Error_INPUT_INVALID: 1 });
    expect(namesOf(line!)).toContain('Error_INPUT_INVALID');
    expect(emf.join('\n')).not.toMatch(/CANARY|\+1|phone/i);
  });

  it('uses METRICS_NAMESPACE, and counts a configuration error', async () => {
    const handler = createDirectHandler(customerLookup, { ...bridge.sandbox.env, METRICS_NAMESPACE: 'Contact/Bridge', UPSTREAM_BASE_URL: '' });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });

    expect(lines()[0]!._aws.CloudWatchMetrics[0]!.Namespace).toBe('DataActionBridge');
    const configured = createDirectHandler(customerLookup, { ...bridge.sandbox.env, METRICS_NAMESPACE: 'Contact/Bridge' });
    await invoke(configured, FOUND);
    expect(lines()[1]!._aws.CloudWatchMetrics[0]!.Namespace).toBe('Contact/Bridge');
    expect(lines()[0]).toMatchObject({ Error_CONFIG_INVALID: 1 });
  });

  it('never holds a secret or a token', async () => {
    const handler = bridge.coldContainer();
    await invoke(handler, FOUND);

    const tokens = bridge.sandbox.customerApi.authorizations.map((value) => String(value).replace(/^Bearer /, ''));
    for (const token of tokens) expect(emf.join('\n')).not.toContain(token);
    expect(emf.join('\n')).not.toContain(bridge.sandbox.env.SECRET_ID);
    expect(emf.join('\n')).not.toMatch(/sandbox\+secret/);
  });
});
