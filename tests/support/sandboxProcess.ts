import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionEnvPrefix } from '../../lib/runtime/action';
import { EVENTS_DIR } from '../../tools/codegen/actionFolders';
import { functionNameOf } from '../../tools/sandbox/runEvents';
import { startSandbox, type Sandbox, type SandboxCounts, type SandboxOptions } from '../../tools/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { sdkVariablesOf, setSdkProcessEnv } from './processEnv';

/**
 * The whole sandbox (every stand-in: customer API, Genesys Cloud, NICE CXone, Secrets
 * Manager with the HTTP callers' secret) for tests that drive the real fronts. The AWS SDK
 * takes its credentials from process.env (the default provider chain), so the SDK's
 * variables are set there for the test and restored by `close`; AWS_EC2_METADATA_DISABLED
 * keeps the SDK from the instance metadata service, a non-loopback host.
 */


export interface OpenSandbox {
  sandbox: Sandbox;
  close(): Promise<void>;
}

export async function openSandbox(options: SandboxOptions = {}): Promise<OpenSandbox> {
  const sandbox = await startSandbox(options);
  const restoreEnv = setSdkProcessEnv(sdkVariablesOf(sandbox.env));
  return {
    sandbox,
    close: async () => {
      restoreEnv();
      await sandbox.close();
    },
  };
}

export const NO_REQUESTS: SandboxCounts = { secret: 0, discovery: 0, token: 0, upstream: 0 };

/** The sandbox env without one action's own (prefixed) variables: what the action sees when nobody scoped it. */
export function withoutScopedVariables(env: Record<string, string>, actionName: string): Record<string, string> {
  const prefix = actionEnvPrefix(actionName);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith(prefix)));
}

/** The variables scoped to `from`, re-scoped to `to`: a test action configured like a sample one. */
export function rescoped(env: Record<string, string>, from: string, to: string): Record<string, string> {
  const source = actionEnvPrefix(from);
  const target = actionEnvPrefix(to);
  return Object.fromEntries(
    Object.entries(env)
      .filter(([name]) => name.startsWith(source))
      .map(([name, value]) => [`${target}${name.slice(source.length)}`, value]),
  );
}

/** The sample event files of one action (events/<name>.json, events/<name>-<case>.json). */
export function sampleEventFiles(actionName: string): string[] {
  return readdirSync(EVENTS_DIR).filter((file) => file.endsWith('.json') && functionNameOf(file) === actionName).sort();
}

/** A sample event by file name, from its action's folder (the name starts with the action's). */
export function sampleEvent(file: string): unknown {
  return JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8'));
}

/**
 * The hooks of suites that drive the fronts against the whole sandbox: each test gets its
 * logs captured, a fresh sandbox, and its extra servers closed. Read `current()` in tests.
 */
export function useSandbox(servers: { closeAll(): Promise<void> }): { current(): { sandbox: Sandbox; logs: CapturedLogs } } {
  let logs: CapturedLogs | undefined;
  let opened: OpenSandbox | undefined;
  beforeEach(async () => {
    logs = captureLogs();
    opened = await openSandbox();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await servers.closeAll();
    await opened?.close();
    logs?.restore();
  });
  return { current: () => ({ sandbox: opened!.sandbox, logs: logs! }) };
}
