import { join } from 'node:path';
import type { DirectHandler } from '../lib/front/directInvoke';
import { runSampleEvents } from '../lib/sandbox/runEvents';
import { startSandbox, type Sandbox } from '../lib/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from './setup/logs';
import { ADA } from './support/fixtures';

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

  it('runs the real handlers on every event file and answers each, with one secret and one token request per function', async () => {
    const handlers = new Map<string, Promise<DirectHandler>>();
    const load = (name: string) => handlers.get(name) ?? handlers.set(name, loadHandler(name)).get(name)!;

    const results = await runSampleEvents(join(__dirname, '..', 'events'), load);

    expect(results.map(({ file, ok }) => [file, ok])).toStrictEqual([
      ['agentState-available.json', true],
      ['agentState-badinput.json', false],
      ['agentState-nodata.json', true],
      ['agentState.json', true],
      ['customerLookup-badinput.json', false],
      ['customerLookup-notfound.json', true],
      ['customerLookup-partial.json', true],
      ['customerLookup.json', true],
      ['queueEstimatedWait-badinput.json', false],
      ['queueEstimatedWait-callback.json', true],
      ['queueEstimatedWait-nodata.json', true],
      ['queueEstimatedWait.json', true],
    ]);
    const response = (file: string) => results.find((result) => result.file === file)?.response;
    for (const file of ['agentState-badinput.json', 'customerLookup-badinput.json', 'queueEstimatedWait-badinput.json']) {
      expect(response(file)).toMatchObject({ errorType: 'InputError', code: 'INPUT_INVALID' });
    }
    expect(response('agentState.json')).toStrictEqual({ found: true, agentId: '1234567', state: 'Unavailable', reason: 'Lunch', since: '2026-11-26T12:01:30.000Z' });
    expect(response('agentState-available.json')).toStrictEqual({ found: true, agentId: '7654321', state: 'Available', since: '2026-11-26T08:00:00.000Z' });
    expect(response('agentState-nodata.json')).toStrictEqual({ found: false });
    expect(response('queueEstimatedWait.json')).toStrictEqual({ available: true, estimatedWaitSeconds: 95, mediaType: 'all', formula: 'BEST' });
    expect(response('queueEstimatedWait-callback.json')).toStrictEqual({ available: true, estimatedWaitSeconds: 95, mediaType: 'callback', formula: 'BEST' });
    expect(response('queueEstimatedWait-nodata.json')).toStrictEqual({ available: false });
    expect(response('customerLookup.json')).toStrictEqual(ADA);
    // CXone discovery: the OpenID configuration and the tenant's cxone-configuration, once each.
    expect(sandbox.counts()).toStrictEqual({ secret: 3, discovery: 2, token: 3, upstream: 9 });
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
