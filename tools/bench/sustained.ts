import { queueEstimatedWait } from '../../lib/actions/queueEstimatedWait/action';
import { SAMPLE_QUEUE_ID, startGenesysApiStandIn } from '../../lib/actions/queueEstimatedWait/standIn';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { createLambdaContext } from '../sandbox/lambdaContext';
import { startSecretsManagerStandIn } from '../standIns/secretsManagerStandIn';
import { startTokenEndpointStandIn } from '../standIns/tokenEndpointStandIn';

/**
 * Sustained load through one warm container, in real time: `perMinute` invocations a minute,
 * evenly spaced, of queueEstimatedWait against a Genesys Cloud API stand-in that enforces
 * 300 requests a minute per token (and reports inin-ratelimit-*), as Genesys Cloud does.
 * Compares the per-token budgets (the default) with budgets off (one token for everything).
 */

export interface SustainedLoad {
  label: string;
  invocations: number;
  answered: number;
  /** Invocations that failed because the upstream's rate limit reached the caller. */
  callerVisible429s: number;
  /** 429s the upstream answered at all (retried with another token when per-token). */
  upstream429s: number;
  tokensFetched: number;
  otherErrors: Record<string, number>;
}

const CLIENT = { clientId: 'bench-genesys-client', clientSecret: 'bench-genesys-secret-0001' };

export async function measureSustainedLoad(label: string, env: Record<string, string>, perMinute: number, durationMs: number): Promise<SustainedLoad> {
  const secretsManager = await startSecretsManagerStandIn({ 'bench/genesys': JSON.stringify(CLIENT) });
  const tokenEndpoint = await startTokenEndpointStandIn([CLIENT], { flavour: 'genesys-cloud' });
  const api = await startGenesysApiStandIn(tokenEndpoint.isValid, undefined, { perWindow: 300, windowMs: 60_000 });
  const handler = createDirectHandler(queueEstimatedWait, {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    SECRET_ID: 'bench/genesys',
    AUTH_PLATFORM: 'genesys-cloud',
    GENESYS_REGION: 'mypurecloud.com',
    TOKEN_URL: tokenEndpoint.tokenUrl,
    UPSTREAM_BASE_URL: api.url,
    ...env,
  });
  const result: SustainedLoad = { label, invocations: 0, answered: 0, callerVisible429s: 0, upstream429s: 0, tokensFetched: 0, otherErrors: {} };
  const intervalMs = 60_000 / perMinute;
  const startedAt = performance.now();
  const running: Array<Promise<void>> = [];
  try {
    for (let i = 0; performance.now() - startedAt < durationMs; i++) {
      const due = startedAt + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      result.invocations++;
      running.push(
        handler({ queueId: SAMPLE_QUEUE_ID }, createLambdaContext('queueEstimatedWait', 10_000)).then(
          () => {
            result.answered++;
          },
          (error: { code?: string }) => {
            if (error.code === 'UPSTREAM_RATE_LIMITED') result.callerVisible429s++;
            else result.otherErrors[error.code ?? 'unknown'] = (result.otherErrors[error.code ?? 'unknown'] ?? 0) + 1;
          },
        ),
      );
    }
    await Promise.all(running);
    result.upstream429s = api.limited;
    result.tokensFetched = tokenEndpoint.requests;
    return result;
  } finally {
    await Promise.all([secretsManager.close(), tokenEndpoint.close(), api.close()]);
  }
}
