import * as z from 'zod';
import { defineAction } from '../../lib/runtime/action';
import { agentState } from '../../lib/actions/agentState/action';
import { createDirectHandler, type DirectHandler } from '../../lib/front/directInvoke';
import { openBridge, type Bridge, type EnvOverrides } from './bridge';
import { startFaultyServer, type FaultyServer } from './faultyServer';
import { Servers } from './standIns';
import { captureLogs, type CapturedLogs } from '../setup/logs';

/**
 * The fault tests' bench: the sandbox (real handler, real AWS SDK, real sockets on
 * loopback) plus faulty servers put in front of any of its stand-ins. Everything a test
 * opens is closed after it.
 */

export const FOUND = { phoneNumber: '+15551234567' };

export const AGENT = { agentId: '1234567' };
export const AGENT_OUTPUT = { found: true, agentId: '1234567', state: 'Unavailable', reason: 'Lunch', since: '2026-11-26T12:01:30.000Z' };

export interface Bench {
  bridge: Bridge;
  /** A faulty server in front of `target` (or standing alone), closed after the test. */
  faulty(target?: string): Promise<FaultyServer>;
  /** A cold agentState container (nice-cxone: discovery, access-key token, tenant API) with its own overrides. */
  cxoneContainer(overrides?: EnvOverrides): DirectHandler;
  /** Requests the sandbox's customerLookup stand-ins answered (what reached them through any faulty server). */
  counts(): { secret: number; token: number; upstream: number };
}

let open: { bench: Bench; servers: Servers } | undefined;

export async function openBench(options: Parameters<typeof openBridge>[0] = {}): Promise<Bench> {
  const bridge = await openBridge(options);
  const servers = new Servers();
  servers.track(bridge);
  const bench: Bench = {
    bridge,
    faulty: async (target) => servers.track(await startFaultyServer(target)),
    cxoneContainer: (overrides = {}) => {
      const scoped = Object.fromEntries(Object.entries(overrides).map(([name, value]) => [`AGENT_STATE__${name}`, value]));
      return createDirectHandler(agentState, { ...bridge.sandbox.env, ...scoped });
    },
    counts: () => ({
      secret: bridge.sandbox.secretsManager.requests,
      token: bridge.sandbox.tokenEndpoint.requests,
      upstream: bridge.sandbox.customerApi.requests,
    }),
  };
  open = { bench, servers };
  return bench;
}

/** For afterEach: closes the sandbox and every faulty server of the test. */
export async function closeBench(): Promise<void> {
  const current = open;
  open = undefined;
  await current?.servers.closeAll();
}

/**
 * A small action that POSTs to `/probe` on UPSTREAM_BASE_URL, to prove what docs/design.md §7 says of
 * requests that are not idempotent; `idempotent` as the action declares it.
 */
export function probeAction(idempotent?: boolean) {
  return defineAction({
    name: 'faultProbe',
    description: 'POSTs an id to /probe (fault tests only).',
    input: z.object({ id: z.string() }),
    request: ({ id }) => ({ method: 'POST', path: '/probe', body: { id } }),
    response: z.object({ accepted: z.boolean() }),
    transform: ({ accepted }) => ({ accepted }),
    output: z.object({ accepted: z.boolean() }),
    requiredConfig: ['UPSTREAM_BASE_URL'],
    ...(idempotent !== undefined && { idempotent }),
  });
}

export function probeContainer(bench: Bench, idempotent: boolean | undefined, overrides: EnvOverrides): DirectHandler {
  return createDirectHandler(probeAction(idempotent), { ...bench.bridge.sandbox.env, ...overrides });
}

/** The invocation log lines (docs/design.md §10) among captured records. */
export function invocationLines(records: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return records.filter((record) => record.event === 'invocation');
}

export { ADA } from './fixtures';

/**
 * The hooks every fault suite needs: each test's log lines captured (and the console quiet),
 * mocks restored, the bench closed. Returns the running test's capture.
 */
export function useFaultBench(): CapturedLogs {
  let current: CapturedLogs | undefined;
  beforeEach(() => {
    current = captureLogs();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await closeBench();
    current?.restore();
  });
  return {
    get lines() {
      return current?.lines ?? [];
    },
    records: () => current?.records() ?? [],
    restore: () => current?.restore(),
  };
}
