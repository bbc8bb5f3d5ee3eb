import { customerLookup } from '../../lib/actions/customerLookup/action';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { openBridge, invoke, type Bridge } from '../support/bridge';
import { captureLogs, type CapturedLogs } from '../setup/logs';

/** PREFETCH_ON_INIT: the secret and token requests start at module initialisation (measured in npm run bench). */
describe('prefetch at init', () => {
  let bridge: Bridge;
  let logs: CapturedLogs;
  const FOUND = { phoneNumber: '+15551234567' };

  beforeEach(async () => {
    logs = captureLogs();
    bridge = await openBridge();
  });
  afterEach(async () => {
    await bridge.close();
    logs.restore();
  });

  const counts = () => ({ secret: bridge.sandbox.secretsManager.requests, token: bridge.sandbox.tokenEndpoint.requests });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('fetches the secret and the token before the first invocation, which then reuses them', async () => {
    const handler = bridge.coldContainer({ PREFETCH_ON_INIT: 'true' });
    await settle();
    expect(counts()).toStrictEqual({ secret: 1, token: 1 });

    await expect(invoke(handler, FOUND)).resolves.toMatchObject({ found: true, customerId: 'c-1001' });
    expect(counts()).toStrictEqual({ secret: 1, token: 1 });
  });

  it('shares a prefetch still under way with the first invocation', async () => {
    const handler = bridge.coldContainer({ PREFETCH_ON_INIT: 'true' });

    await expect(invoke(handler, FOUND)).resolves.toMatchObject({ found: true });
    expect(counts()).toStrictEqual({ secret: 1, token: 1 });
  });

  it('does not poison the container when the prefetch fails: the first invocation asks again and succeeds', async () => {
    // Not retried by the SDK, so the prefetch has surely failed before the stand-in recovers.
    bridge.sandbox.secretsManager.failWith({ type: 'AccessDeniedException', status: 400 });
    const handler = bridge.coldContainer({ PREFETCH_ON_INIT: 'true' });
    await settle();
    bridge.sandbox.secretsManager.failWith(undefined);
    const failedAttempts = counts().secret;

    await expect(invoke(handler, FOUND)).resolves.toMatchObject({ found: true });
    expect(counts()).toStrictEqual({ secret: failedAttempts + 1, token: 1 });
    expect(logs.records().filter((record) => record.event === 'prefetch_failed')).toHaveLength(1);
  });

  it('is off by default: nothing is requested before the first invocation', async () => {
    createDirectHandler(customerLookup, bridge.sandbox.env);
    await settle();

    expect(counts()).toStrictEqual({ secret: 0, token: 0 });
  });

  it('does not start with a bad configuration', async () => {
    const handler = bridge.coldContainer({ PREFETCH_ON_INIT: 'true', UPSTREAM_BASE_URL: 'http://api.example.com' });
    await settle();

    expect(counts()).toStrictEqual({ secret: 0, token: 0 });
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
