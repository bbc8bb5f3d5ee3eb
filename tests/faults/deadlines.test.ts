import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import type { EnvOverrides } from '../support/bridge';
import { ADA, AGENT, AGENT_OUTPUT, FOUND, invocationLines, openBench, type Bench, useFaultBench } from '../support/faultBench';
import { forward, hang, partial, timed, type Fault, type FaultyServer } from '../support/faultyServer';

/**
 * docs/design.md §7: the deadline is now + min(Lambda's remaining time, ACTION_TIMEOUT_MS) −
 * DEADLINE_MARGIN_MS, and every network step (secret, discovery, token, upstream) is
 * bounded by it. A dependency that accepts the connection and never answers must end in a
 * clean TIMEOUT naming the step, before Lambda would kill the function, and the container
 * must keep serving. Real sockets on loopback; a faulty server hangs the one step.
 */

const logs = useFaultBench();

const LAMBDA_MS = 1_200;
const MARGIN_MS = 300;
/** Timers and sockets on a busy test machine: how late an answer may come after the deadline. */
const SLACK_MS = 150;

interface HungStep {
  step: string;
  platform: 'oauth2' | 'nice-cxone';
  /** The stand-in the faulty server sits in front of. */
  target(bench: Bench): string;
  /** Points the container at the faulty server. */
  env(faultyUrl: string): EnvOverrides;
  /** Faults before the one that hangs (requests of earlier steps that go through the same server). */
  before?: number;
  /** How it hangs: by default the request is accepted and never answered. */
  fault?: Fault;
  /** Requests the faulty server sees in all: the hung invocation's, then a successful one's. */
  requestsAfterRecovery: number;
}

const HUNG_STEPS: HungStep[] = [
  {
    step: 'secret fetch from Secrets Manager',
    platform: 'oauth2',
    target: (b) => b.bridge.sandbox.secretsManager.url,
    env: (url) => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: url }),
    requestsAfterRecovery: 2,
  },
  {
    step: 'token request',
    platform: 'oauth2',
    target: (b) => b.bridge.sandbox.tokenEndpoint.url,
    env: (url) => ({ TOKEN_URL: `${url}/oauth/token` }),
    requestsAfterRecovery: 2,
  },
  {
    step: 'upstream request',
    platform: 'oauth2',
    target: (b) => b.bridge.sandbox.customerApi.url,
    env: (url) => ({ UPSTREAM_BASE_URL: url }),
    requestsAfterRecovery: 2,
  },
  {
    // Status and headers arrive at once; the body stops after a few bytes and never ends.
    step: 'upstream request',
    platform: 'oauth2',
    target: (b) => b.bridge.sandbox.customerApi.url,
    env: (url) => ({ UPSTREAM_BASE_URL: url }),
    fault: partial({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [] }) }, 5, 'stall'),
    requestsAfterRecovery: 2,
  },
  {
    step: 'CXone OpenID discovery',
    platform: 'nice-cxone',
    target: (b) => b.bridge.sandbox.cxone.tokenEndpoint.url,
    env: (url) => ({ CXONE_ISSUER: url }),
    // hung openid-configuration; then openid-configuration and the tenant's cxone-configuration.
    requestsAfterRecovery: 3,
  },
  {
    // openid-configuration goes through, the tenant's cxone-configuration hangs.
    step: 'CXone tenant discovery',
    platform: 'nice-cxone',
    target: (b) => b.bridge.sandbox.cxone.tokenEndpoint.url,
    env: (url) => ({ CXONE_ISSUER: url }),
    before: 1,
    // openid-configuration, hung cxone-configuration; then cxone-configuration only (openid is cached).
    requestsAfterRecovery: 3,
  },
];

async function hungBench(hungStep: HungStep): Promise<{ bench: Bench; faulty: FaultyServer; container: ReturnType<Bench['cxoneContainer']> }> {
  const bench = await openBench();
  const faulty = await bench.faulty(hungStep.target(bench));
  faulty.script(...Array.from({ length: hungStep.before ?? 0 }, () => forward), hungStep.fault ?? hang);
  const overrides = { ...hungStep.env(faulty.url), DEADLINE_MARGIN_MS: String(MARGIN_MS) };
  const container = hungStep.platform === 'nice-cxone' ? bench.cxoneContainer(overrides) : bench.bridge.coldContainer(overrides);
  return { bench, faulty, container };
}

describe('deadlines: a hung dependency ends in TIMEOUT naming the step, before Lambda would kill the function', () => {
  it.each(HUNG_STEPS.map((s) => [s.fault ? `${s.step} whose body stalls` : `${s.step} that never answers`, s] as const))('%s; the same container then serves the next invocation', async (_case, hungStep) => {
    const { step } = hungStep;
    const { faulty, container } = await hungBench(hungStep);
    const event = hungStep.platform === 'nice-cxone' ? AGENT : FOUND;
    const context = createLambdaContext('faults', LAMBDA_MS);

    const { elapsedMs, outcome } = await timed(() => container(event, context));
    const lambdaLeftMs = context.getRemainingTimeInMillis();

    await expect(outcome).rejects.toMatchObject({
      name: 'TimeoutError',
      code: 'TIMEOUT',
      message: expect.stringMatching(new RegExp(`^TIMEOUT: ${step} timed out`)),
    });
    // At the deadline (Lambda time − margin), not earlier and not at Lambda's own end.
    expect(elapsedMs).toBeGreaterThanOrEqual(LAMBDA_MS - MARGIN_MS - 50);
    expect(elapsedMs).toBeLessThan(LAMBDA_MS - MARGIN_MS + SLACK_MS);
    expect(lambdaLeftMs).toBeGreaterThan(MARGIN_MS - SLACK_MS);
    expect(faulty.requests).toBe((hungStep.before ?? 0) + 1);
    expect(invocationLines(logs.records())).toContainEqual(expect.objectContaining({ outcome: 'error', code: 'TIMEOUT' }));

    // The server answers again (its script is used up: it forwards to the stand-in). The next
    // invocation comes at once: the hung request, which no one waits for any more, is abandoned
    // rather than joined.
    await expect(container(event, createLambdaContext('faults', 6_000))).resolves.toStrictEqual(hungStep.platform === 'nice-cxone' ? AGENT_OUTPUT : ADA);
    // The hung request was not cached as a failure nor left blocking: the step was asked again, once.
    expect(faulty.requests).toBe(hungStep.requestsAfterRecovery);
  });
});

describe('deadline arithmetic (docs/design.md §7)', () => {
  it('keeps DEADLINE_MARGIN_MS in reserve: the answer comes at Lambda time − margin, with the margin still left', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    upstream.script(hang);
    const container = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url, DEADLINE_MARGIN_MS: '600' });
    const context = createLambdaContext('faults', 1_500);

    const { elapsedMs, outcome } = await timed(() => container(FOUND, context));
    const lambdaLeftMs = context.getRemainingTimeInMillis();

    await expect(outcome).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/^TIMEOUT: upstream request timed out/) });
    expect(elapsedMs).toBeGreaterThanOrEqual(850);
    expect(elapsedMs).toBeLessThan(900 + SLACK_MS);
    expect(lambdaLeftMs).toBeGreaterThanOrEqual(600 - SLACK_MS);
  });

  it('uses ACTION_TIMEOUT_MS when it is shorter than the time Lambda has left', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    upstream.script(hang);
    const container = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url, ACTION_TIMEOUT_MS: '700', DEADLINE_MARGIN_MS: '200' });

    const { elapsedMs, outcome } = await timed(() => container(FOUND, createLambdaContext('faults', 6_000)));

    await expect(outcome).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(elapsedMs).toBeGreaterThanOrEqual(450);
    expect(elapsedMs).toBeLessThan(500 + SLACK_MS);
  });
});
