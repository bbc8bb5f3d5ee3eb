import { join } from 'node:path';
import type { DirectHandler } from '../../lib/front/directInvoke';
import { ACTIONS } from '../../lib/actions';
import { readSampleEvents, runSampleEvents } from '../../tools/sandbox/runEvents';
import { startSandbox, type Sandbox } from '../../tools/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { ADA } from '../support/fixtures';

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
      (require('../../lib/base/logger') as typeof import('../../lib/base/logger')).redirectLogs((line) => logs.lines.push(line));
      handler = (require(join(__dirname, '..', '..', 'handlers', functionName)) as { handler: DirectHandler }).handler;
    });
    return Promise.resolve(handler!);
  }

  it('runs the real handlers on every event file and answers each, with one secret and one token request per function', async () => {
    const handlers = new Map<string, Promise<DirectHandler>>();
    const load = (name: string) => handlers.get(name) ?? handlers.set(name, loadHandler(name)).get(name)!;

    const results = await runSampleEvents(load);

    // Every action's events, each answered but the bad-input ones (whatever actions the registry holds).
    const samples = await readSampleEvents();
    expect(results.map(({ file, ok }) => [file, ok])).toStrictEqual(samples.map(({ file }) => [file, !file.includes('-badinput')]));
    expect(results.map(({ file }) => file)).toEqual(
      expect.arrayContaining(['agentState.json', 'agentState-nodata.json', 'customerLookup.json', 'customerLookup-partial.json', 'queueEstimatedWait.json', 'queueEstimatedWait-callback.json']),
    );
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
    // One secret and one token per action; CXone discovery: the OpenID configuration and the tenant's cxone-configuration, once each.
    const cxoneActions = ACTIONS.filter((action) => action.platform === 'nice-cxone').length;
    expect(sandbox.counts()).toStrictEqual({ secret: ACTIONS.length, discovery: 2 * cxoneActions, token: ACTIONS.length, upstream: results.filter(({ ok }) => ok).length });
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
