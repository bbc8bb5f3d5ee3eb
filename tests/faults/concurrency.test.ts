import type { DirectHandler } from '../../lib/front/directInvoke';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { invoke } from '../support/bridge';
import { ADA, AGENT, AGENT_OUTPUT, FOUND, openBench, type Bench, useFaultBench } from '../support/faultBench';
import { hang, jsonReply, forward, timed, type FaultyServer } from '../support/faultyServer';

/**
 * docs/design.md §6 single-flight and "a failure never poisons the cache" (STYLE, Middy): concurrent
 * invocations on one cold container share one secret fetch, one token request and one
 * discovery fetch per document, also when that shared fetch fails; the next invocation
 * then tries again. And each invocation stays bounded by its own deadline (docs/design.md §7), not by
 * the deadline of whichever invocation started the shared fetch.
 */

const CONCURRENT = 50;

useFaultBench();

function many(handler: DirectHandler, event: unknown): Promise<Array<PromiseSettledResult<unknown>>> {
  return Promise.allSettled(Array.from({ length: CONCURRENT }, () => invoke(handler, event)));
}

/** The error codes of rejected results, the output of fulfilled ones. */
function outcomes(results: Array<PromiseSettledResult<unknown>>): unknown[] {
  return results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as { code?: string }).code));
}

const allSame = (value: unknown) => Array.from({ length: CONCURRENT }, () => value);

function cxoneCounts(bench: Bench) {
  const { secretsManager, cxone } = bench.bridge.sandbox;
  return { secret: secretsManager.requests, discovery: cxone.tokenEndpoint.discoveryRequests, token: cxone.tokenEndpoint.requests, upstream: cxone.api.requests };
}

describe(`${CONCURRENT} concurrent invocations on a cold container`, () => {
  it('nice-cxone: share one secret fetch, one token request and one fetch of each discovery document', async () => {
    const bench = await openBench();
    const handler = bench.cxoneContainer();

    const results = await many(handler, AGENT);

    expect(outcomes(results)).toStrictEqual(allSame(AGENT_OUTPUT));
    // discovery: openid-configuration once and the tenant's cxone-configuration once.
    expect(cxoneCounts(bench)).toStrictEqual({ secret: 1, discovery: 2, token: 1, upstream: CONCURRENT });
  });

  it('a failed shared secret fetch fails all of them with the same code; the next invocation fetches again and succeeds', async () => {
    const bench = await openBench();
    const handler = bench.bridge.coldContainer();
    bench.bridge.sandbox.secretsManager.failWith({ type: 'AccessDeniedException', status: 400 });

    expect(outcomes(await many(handler, FOUND))).toStrictEqual(allSame('SECRET_ACCESS_DENIED'));
    expect(bench.counts()).toStrictEqual({ secret: 1, token: 0, upstream: 0 });

    bench.bridge.sandbox.secretsManager.failWith(undefined);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(bench.counts()).toStrictEqual({ secret: 2, token: 1, upstream: 1 });
  });

  it('a failed shared token request fails all of them with the same code; the next invocation asks again and succeeds', async () => {
    const bench = await openBench();
    const token = await bench.faulty(bench.bridge.sandbox.tokenEndpoint.url);
    token.script(jsonReply(500, { message: 'internal error' }));
    const handler = bench.bridge.coldContainer({ TOKEN_URL: `${token.url}/oauth/token` });

    expect(outcomes(await many(handler, FOUND))).toStrictEqual(allSame('TOKEN_UNAVAILABLE'));
    expect({ secret: bench.counts().secret, token: token.requests, upstream: bench.counts().upstream }).toStrictEqual({ secret: 1, token: 1, upstream: 0 });

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect({ secret: bench.counts().secret, token: token.requests, upstream: bench.counts().upstream }).toStrictEqual({ secret: 1, token: 2, upstream: 1 });
  });

  it('a failed shared OpenID discovery fails all of them with the same code; the next invocation discovers again and succeeds', async () => {
    const bench = await openBench();
    const issuer = await bench.faulty(bench.bridge.sandbox.cxone.tokenEndpoint.url);
    issuer.script(jsonReply(500, { message: 'internal error' }));
    const handler = bench.cxoneContainer({ CXONE_ISSUER: issuer.url });

    expect(outcomes(await many(handler, AGENT))).toStrictEqual(allSame('TOKEN_UNAVAILABLE'));
    expect(issuer.requestsTo('/.well-known/openid-configuration')).toBe(1);
    expect(cxoneCounts(bench)).toMatchObject({ secret: 1, token: 0, upstream: 0 });

    await expect(invoke(handler, AGENT)).resolves.toStrictEqual(AGENT_OUTPUT);
    expect(issuer.requestsTo('/.well-known/openid-configuration')).toBe(2);
    expect(cxoneCounts(bench)).toMatchObject({ secret: 1, token: 1, upstream: 1 });
  });

  it("a failed shared tenant discovery fails all of them with the same code; the next invocation discovers again and succeeds", async () => {
    const bench = await openBench();
    const issuer = await bench.faulty(bench.bridge.sandbox.cxone.tokenEndpoint.url);
    issuer.script(forward, jsonReply(500, { message: 'internal error' }));
    const handler = bench.cxoneContainer({ CXONE_ISSUER: issuer.url });

    expect(outcomes(await many(handler, AGENT))).toStrictEqual(allSame('UPSTREAM_ERROR'));
    expect(issuer.requestsTo('/.well-known/cxone-configuration')).toBe(1);

    await expect(invoke(handler, AGENT)).resolves.toStrictEqual(AGENT_OUTPUT);
    expect(issuer.requestsTo('/.well-known/cxone-configuration')).toBe(2);
    // The token survived the discovery failure: still one token request, one openid-configuration.
    expect(issuer.requestsTo('/.well-known/openid-configuration')).toBe(1);
    expect(cxoneCounts(bench)).toMatchObject({ secret: 1, token: 1, upstream: 1 });
  });
});

interface SharedStep {
  step: string;
  /** The path the step's requests go to on the faulty server. */
  path: string;
  cxone: boolean;
  target(bench: Bench): string;
  env(url: string): Record<string, string>;
}

const SHARED_STEPS: SharedStep[] = [
  { step: 'secret fetch from Secrets Manager', path: '/', cxone: false, target: (b) => b.bridge.sandbox.secretsManager.url, env: (url) => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: url }) },
  { step: 'token request', path: '/oauth/token', cxone: false, target: (b) => b.bridge.sandbox.tokenEndpoint.url, env: (url) => ({ TOKEN_URL: `${url}/oauth/token` }) },
  { step: 'CXone OpenID discovery', path: '/.well-known/openid-configuration', cxone: true, target: (b) => b.bridge.sandbox.cxone.tokenEndpoint.url, env: (url) => ({ CXONE_ISSUER: url }) },
];

async function hungOnce(shared: SharedStep): Promise<{ faulty: FaultyServer; handler: DirectHandler; event: unknown; output: unknown }> {
  const bench = await openBench();
  const faulty = await bench.faulty(shared.target(bench));
  faulty.script(hang);
  const handler = shared.cxone ? bench.cxoneContainer(shared.env(faulty.url)) : bench.bridge.coldContainer(shared.env(faulty.url));
  return { faulty, handler, event: shared.cxone ? AGENT : FOUND, output: shared.cxone ? AGENT_OUTPUT : ADA };
}

describe('concurrent invocations with different deadlines sharing one fetch', () => {
  it.each(SHARED_STEPS.map((s) => [s.step, s] as const))(
    '%s: one that joined a fetch started by an invocation with less time left is not failed by that deadline, but by its own',
    async (step, shared) => {
      const { faulty, handler, event, output } = await hungOnce(shared);
      // A starts the fetch, which hangs, with 800 ms to spend; B joins it with 1,300 ms.
      const first = handler(event, createLambdaContext('faults', 1_000));
      first.catch(() => undefined);
      const { elapsedMs, outcome } = await timed(() => handler(event, createLambdaContext('faults', 1_500)));

      await expect(first).rejects.toMatchObject({ code: 'TIMEOUT' });
      // B still waits on the hung fetch (it is abandoned only once every waiter gave up), so it
      // times out at its own deadline (~1,300 ms), never at A's (~800 ms).
      await expect(outcome).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining(`${step} timed out`) });
      expect(elapsedMs).toBeGreaterThanOrEqual(1_250);
      expect(elapsedMs).toBeLessThan(1_500);

      // Once every invocation waiting for the hung request has given up, it is abandoned:
      // the next invocation asks afresh instead of joining it, and succeeds.
      await expect(handler(event, createLambdaContext('faults', 6_000))).resolves.toStrictEqual(output);
      expect(faulty.requestsTo(shared.path)).toBe(2);
    },
  );

  it.each(SHARED_STEPS.map((s) => [s.step, s] as const))(
    '%s: one that joined a fetch started by an invocation with more time left still answers by its own deadline',
    async (step, shared) => {
      const { handler, event } = await hungOnce(shared);
      // A starts the fetch, which hangs, with 1,100 ms to spend; B joins it with 400 ms.
      const first = handler(event, createLambdaContext('faults', 1_300));
      first.catch(() => undefined);
      const { elapsedMs, outcome } = await timed(() => handler(event, createLambdaContext('faults', 600)));

      await expect(outcome).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining(`${step} timed out`) });
      expect(elapsedMs).toBeLessThan(600);
      await expect(first).rejects.toMatchObject({ code: 'TIMEOUT' });
    },
  );
});
