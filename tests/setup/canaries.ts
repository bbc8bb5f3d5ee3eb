import { formUrlEncode } from '../../lib/auth/formEncoding';
import {
  SANDBOX_CLIENT,
  SANDBOX_CXONE_ACCESS_KEY,
  SANDBOX_CXONE_CLIENT,
  SANDBOX_GENESYS_CLIENT,
  SANDBOX_HTTP_KEYS,
} from '../../tools/sandbox/sandbox';
import { PROXY_BASIC, PROXY_PASSWORD } from '../support/forwardProxy';
import { drainCapturedLines } from './logs';

/**
 * Suite-wide canary scan: after every test of every file, each log line the test captured
 * is searched for the sandbox's credentials (raw, form-encoded, as Basic credentials) and for
 * any token the stand-ins issued. A test that leaks one fails, whatever it was testing.
 */

const basic = (id: string, secret: string) => Buffer.from(`${formUrlEncode(id)}:${formUrlEncode(secret)}`).toString('base64');
const CANARIES: Array<[string, string]> = [
  ...[SANDBOX_CLIENT, SANDBOX_GENESYS_CLIENT, SANDBOX_CXONE_CLIENT].flatMap(({ clientId, clientSecret }): Array<[string, string]> => [
    [`client secret of ${clientId}`, clientSecret],
    [`form-encoded client secret of ${clientId}`, formUrlEncode(clientSecret)],
    [`Basic credentials of ${clientId}`, basic(clientId, clientSecret)],
  ]),
  ['CXone access key secret', SANDBOX_CXONE_ACCESS_KEY.accessKeySecret],
  ...[...SANDBOX_HTTP_KEYS.apiKeys, ...SANDBOX_HTTP_KEYS.hmacKeys].map((key): [string, string] => ['HTTP caller key', key]),
  // The egress proxy's credentials (tests/support/forwardProxy.ts), as in the URL and as Proxy-Authorization.
  ['egress proxy password', PROXY_PASSWORD],
  ['egress proxy Basic credentials', PROXY_BASIC],
];
const ISSUED_TOKEN = /sandbox-at-[0-9a-f]{32}/;

afterEach(() => {
  for (const line of drainCapturedLines()) {
    const leaked = CANARIES.find(([, canary]) => line.includes(canary))?.[0] ?? (ISSUED_TOKEN.test(line) ? 'an issued access token' : undefined);
    // The line itself is not repeated: it holds the secret.
    if (leaked) throw new Error(`${leaked} reached the log line whose message is ${JSON.stringify((JSON.parse(line) as { message?: string }).message)}`);
  }
});
