import { join } from 'node:path';
import type { DirectHandler } from '../lib/directInvoke';
import { runSampleEvents } from '../lib/sandbox/runEvents';
import { startSandbox, type Sandbox } from '../lib/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from './setup/logs';

/** What `npm start` does: the deployed handler module, loaded with the sandbox's environment, on every sample event. */
describe('the local sandbox (npm start)', () => {
  let sandbox: Sandbox;
  let logs: CapturedLogs;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    logs = captureLogs();
    sandbox = await startSandbox();
    Object.assign(process.env, sandbox.env);
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    logs.restore();
    await sandbox.close();
  });

  /** A cold start: the handler module and its logger loaded afresh, the logger's lines captured too. */
  function loadHandler(functionName: string): Promise<DirectHandler> {
    let handler: DirectHandler | undefined;
    jest.isolateModules(() => {
      (require('../lib/logger') as typeof import('../lib/logger')).redirectLogs((line) => logs.lines.push(line));
      handler = (require(join(__dirname, '..', 'handlers', functionName)) as { handler: DirectHandler }).handler;
    });
    return Promise.resolve(handler!);
  }

  it('runs the real handler on every event file and answers each, with one secret and one token request in all', async () => {
    const handlers = new Map<string, Promise<DirectHandler>>();
    const load = (name: string) => handlers.get(name) ?? handlers.set(name, loadHandler(name)).get(name)!;

    const results = await runSampleEvents(join(__dirname, '..', 'events'), load);

    expect(results.map(({ file, ok }) => [file, ok])).toStrictEqual([
      ['customerLookup-badinput.json', false],
      ['customerLookup-notfound.json', true],
      ['customerLookup-partial.json', true],
      ['customerLookup.json', true],
    ]);
    expect(results[0]?.response).toMatchObject({ errorType: 'InputError', code: 'INPUT_INVALID' });
    expect(results[3]?.response).toStrictEqual({
      found: true,
      customerId: 'c-1001',
      fullName: 'Ada Lovelace',
      email: 'ada@example.com',
      tier: 'gold',
      orderCount: 2,
      lastOrderDate: '2026-11-02T08:30:00Z',
      lifetimeValue: 199.75,
    });
    expect([sandbox.secretsManager.requests, sandbox.tokenEndpoint.requests, sandbox.customerApi.requests]).toStrictEqual([1, 1, 3]);
  });

  it('cleans the sandbox secret (a trailing newline) and warns once, naming the key', async () => {
    const handler = await loadHandler('customerLookup');
    await handler({ phoneNumber: '+15551234567' });
    await handler({ phoneNumber: '+15551234567' });

    const warnings = logs.records().filter((record) => record.event === 'secret_hygiene');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ changes: [{ key: 'clientSecret', removed: ['trailing U+000A LINE FEED'] }] });
  });
});
