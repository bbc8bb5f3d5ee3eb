import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Agent, request } from 'undici';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { createDirectHandler, type DirectHandler } from '../../lib/front/directInvoke';
import { SANDBOX_SECRET_ID, startSandbox, type Sandbox } from '../sandbox/sandbox';
import { createLambdaContext } from '../sandbox/lambdaContext';
import { summarise, timeSequential, type Summary } from './stats';

/**
 * Warm-path measurements in one process: the bridge against the floor (undici on a
 * keep-alive pool) and a bare fetch with a pre-obtained token, the baselines users would
 * write, throughput at several concurrencies, and memory over many invocations.
 */

export const EVENT = { phoneNumber: '+15551234567' };

async function openWarmBridge(sandbox: Sandbox): Promise<DirectHandler> {
  const handler = createDirectHandler(customerLookup, sandbox.env);
  await handler(EVENT, createLambdaContext('customerLookup'));
  return handler;
}

async function tokenFor(sandbox: Sandbox): Promise<string> {
  // The token the bridge obtained: the upstream stand-in saw it.
  const authorization = sandbox.customerApi.authorizations.at(-1);
  if (!authorization) throw new Error('no token seen yet');
  return authorization;
}

function upstreamUrl(sandbox: Sandbox): string {
  return `${sandbox.customerApi.url}/customers?phone=${encodeURIComponent(EVENT.phoneNumber)}`;
}

export interface WarmOverhead {
  bridge: Summary;
  fetch: Summary;
  undici: Summary;
  /** The bridge and the floor again after SETTLE_CALLS more invocations, once V8's JIT has settled on the bridge's code. */
  settled: { bridge: Summary; undici: Summary; afterCalls: number };
}

/** Invocations a busy container has served within a few minutes (1,200 a minute is the volume issue 12 names). */
const SETTLE_CALLS = 20_000;

export async function measureWarmOverhead(count: number): Promise<WarmOverhead> {
  const sandbox = await startSandbox();
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  try {
    const bridge = await openWarmBridge(sandbox);
    const authorization = await tokenFor(sandbox);
    const url = upstreamUrl(sandbox);
    const context = createLambdaContext('customerLookup', 60_000);
    const viaUndici = async () => {
      const response = await request(url, { dispatcher: agent, headers: { authorization, accept: 'application/json' } });
      return response.body.json();
    };
    const viaFetch = async () => (await fetch(url, { headers: { authorization, accept: 'application/json' } })).json();
    // Warm every path first (connections, JIT), then measure them interleaved in rounds so drift hits all alike.
    for (const work of [() => bridge(EVENT, context), viaFetch, viaUndici]) await timeSequential(300, work);
    const samples = { bridge: [] as number[], fetch: [] as number[], undici: [] as number[] };
    const round = Math.max(1, Math.floor(count / 10));
    for (let i = 0; i < 10; i++) {
      samples.undici.push(...(await timeSequential(round, viaUndici)));
      samples.fetch.push(...(await timeSequential(round, viaFetch)));
      samples.bridge.push(...(await timeSequential(round, () => bridge(EVENT, context))));
    }
    // The same measurement later in the container's life: the bridge's own work keeps falling for some thousands of calls.
    await timeSequential(SETTLE_CALLS, () => bridge(EVENT, context));
    const settled = { bridge: [] as number[], undici: [] as number[] };
    for (let i = 0; i < 10; i++) {
      settled.undici.push(...(await timeSequential(round, viaUndici)));
      settled.bridge.push(...(await timeSequential(round, () => bridge(EVENT, context))));
    }
    return {
      bridge: summarise(samples.bridge),
      fetch: summarise(samples.fetch),
      undici: summarise(samples.undici),
      settled: { bridge: summarise(settled.bridge), undici: summarise(settled.undici), afterCalls: SETTLE_CALLS },
    };
  } finally {
    await agent.close();
    await sandbox.close();
  }
}

export interface Baselines {
  naive: Summary;
  extensionStyle: Summary;
  bridge: Summary;
  secretLatencyMs: number;
  tokenLatencyMs: number;
}

const SECRET_CACHE_TTL_MS = 5 * 60_000;

/**
 * What users would otherwise write, against stand-ins with realistic latency:
 * (a) naive: the secret and a new token on every invocation, as many public samples do;
 * (b) extension-style: the AWS Parameters and Secrets Lambda Extension's 5-minute secret
 *     cache (a local cache in front of Secrets Manager), and a token per call.
 */
export async function measureBaselines(count: number, secretLatencyMs: number, tokenLatencyMs: number): Promise<Baselines> {
  const sandbox = await startSandbox({ secretLatencyMs, tokenLatencyMs });
  const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: sandbox.env.AWS_ENDPOINT_URL_SECRETS_MANAGER });
  const url = upstreamUrl(sandbox);
  const readSecret = async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: SANDBOX_SECRET_ID }));
    const { clientId, clientSecret } = JSON.parse(SecretString ?? '{}') as { clientId: string; clientSecret: string };
    return { clientId, clientSecret: clientSecret.trim() };
  };
  const callWithNewToken = async (credentials: { clientId: string; clientSecret: string }) => {
    const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
    const token = await fetch(sandbox.tokenEndpoint.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await token.json()) as { access_token: string };
    return (await fetch(url, { headers: { authorization: `Bearer ${access_token}` } })).json();
  };
  let cached: { value: { clientId: string; clientSecret: string }; at: number } | undefined;
  const extensionStyle = async () => {
    if (!cached || Date.now() - cached.at > SECRET_CACHE_TTL_MS) cached = { value: await readSecret(), at: Date.now() };
    return callWithNewToken(cached.value);
  };
  try {
    const bridge = await openWarmBridge(sandbox);
    const context = createLambdaContext('customerLookup', 60_000);
    return {
      naive: summarise(await timeSequential(count, async () => callWithNewToken(await readSecret()))),
      extensionStyle: summarise(await timeSequential(count, extensionStyle)),
      bridge: summarise(await timeSequential(count, () => bridge(EVENT, context))),
      secretLatencyMs,
      tokenLatencyMs,
    };
  } finally {
    client.destroy();
    await sandbox.close();
  }
}

export interface Throughput {
  concurrency: number;
  invocationsPerSecond: number;
  secretRequests: number;
  tokenRequests: number;
}

/** Invocations per second on a cold container at a given concurrency, with the requests it made. */
export async function measureThroughput(concurrency: number, total: number): Promise<Throughput> {
  const sandbox = await startSandbox();
  try {
    const handler = createDirectHandler(customerLookup, sandbox.env);
    const context = createLambdaContext('customerLookup', 120_000);
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next++ < total) await handler(EVENT, context);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    return { concurrency, invocationsPerSecond: total / seconds, secretRequests: sandbox.secretsManager.requests, tokenRequests: sandbox.tokenEndpoint.requests };
  } finally {
    await sandbox.close();
  }
}

export interface MemoryGrowth {
  rssAfter100Mb: number;
  rssAfter10kMb: number;
  heapAfter100Mb: number;
  heapAfter10kMb: number;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** RSS and heap after 100 and after 10,000 warm invocations (run with --expose-gc for stable numbers). */
export async function measureMemory(): Promise<MemoryGrowth> {
  const sandbox = await startSandbox();
  try {
    const handler = createDirectHandler(customerLookup, sandbox.env);
    const context = createLambdaContext('customerLookup', 600_000);
    const run = async (count: number) => {
      for (let i = 0; i < count; i++) await handler(EVENT, context);
      collect();
      const usage = process.memoryUsage();
      return { rss: usage.rss / 2 ** 20, heap: usage.heapUsed / 2 ** 20 };
    };
    const after100 = await run(100);
    const after10k = await run(9_900);
    return { rssAfter100Mb: after100.rss, rssAfter10kMb: after10k.rss, heapAfter100Mb: after100.heap, heapAfter10kMb: after10k.heap };
  } finally {
    await sandbox.close();
  }
}
