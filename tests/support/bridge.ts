import type { Context } from 'aws-lambda';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { createDirectHandler, type DirectHandler } from '../../lib/front/directInvoke';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import type { Sandbox, SandboxOptions } from '../../tools/sandbox/sandbox';
import { openSandbox } from './sandboxProcess';

/**
 * The real handler against the real loopback stand-ins, one cold container per call of
 * `coldContainer`, on the sandbox of `openSandbox` (which sets the AWS SDK's variables in
 * process.env for the duration of a test and restores them on `close`).
 */


export type EnvOverrides = Record<string, string | undefined>;

export interface Bridge {
  sandbox: Sandbox;
  /** A new container, as Lambda makes on a cold start, configured for the sandbox. */
  coldContainer(overrides?: EnvOverrides): DirectHandler;
  close(): Promise<void>;
}

export async function openBridge(options: SandboxOptions = {}): Promise<Bridge> {
  const { sandbox, close } = await openSandbox(options);
  return {
    sandbox,
    coldContainer: (overrides = {}) => createDirectHandler(customerLookup, { ...sandbox.env, ...overrides }),
    close,
  };
}

export interface InvokeOptions {
  timeoutMs?: number;
  /** The invoker's client context, e.g. { Custom: {…} } or Genesys's top-level ININ-* keys. */
  clientContext?: Record<string, unknown>;
}

export function lambdaContext(options: InvokeOptions = {}): Context {
  return createLambdaContext('customerLookup', options.timeoutMs ?? 6_000, options.clientContext);
}

export function invoke(handler: DirectHandler, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
  return handler(event, lambdaContext(options));
}

/** Moves Date.now (which every cache and deadline reads) forward without touching timers or sockets. */
export interface Clock {
  advanceTo(offsetMs: number): void;
}

export function controlClock(): Clock {
  const realNow = Date.now.bind(Date);
  let offsetMs = 0;
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  return {
    advanceTo: (next) => {
      offsetMs = next;
    },
  };
}

/** The error a synchronous call throws; fails the test when it does not throw. */
export function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** A copy of a parsed log record list filtered by the `event` field. */
export function recordsOf(records: Array<Record<string, unknown>>, event: string): Array<Record<string, unknown>> {
  return records.filter((record) => record.event === event);
}
