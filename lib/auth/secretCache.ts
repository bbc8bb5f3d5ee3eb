import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from '../http/deadline';
import { SECRET_FAILURE_MEMORY_MS, STALE_REFRESH_WAIT_MAX_MS } from '../base/constants';
import { DependencyBreaker } from '../http/circuitBreaker';
import { BridgeError, ErrorCode, SecretError } from '../base/errors';
import { isTlsFailure, networkCodeOf } from '../http/networkErrors';
import { proxyTunnelErrorOf } from '../http/proxy/proxyFailure';
import { retryWithDeadline } from '../http/retry';
import { SharedCache } from './sharedCache';

/**
 * The client-credentials secret from AWS Secrets Manager, cached per container for the
 * TTL (docs/design.md §5). The cache keeps the in-flight promise, so concurrent invocations share
 * one request. A failed request is never cached as a value; a transient failure is
 * remembered for SECRET_FAILURE_MEMORY_MS, so a flood of callers during an outage or
 * throttling asks Secrets Manager once per interval, not once each.
 */

const SECRET_STEP = 'secret fetch from Secrets Manager';

export interface FetchedSecret {
  readonly secretString: string;
  readonly versionId: string;
  readonly fetchedAtMs: number;
  /** Increases with every fetch in this container; tells callers whether a refresh already happened. */
  readonly generation: number;
}

export interface SecretRead {
  secret: FetchedSecret;
  cacheHit: boolean;
}

export interface SecretCacheOptions {
  client: SecretsManagerClient;
  secretId: string;
  ttlMs: number;
  /** How long past its TTL the last value may be served while Secrets Manager is failing (docs/design.md §5). */
  staleMs?: number;
}

/** Failures that say Secrets Manager is struggling: throttling, 5xx, network, time. Never not-found or access denied. */
function isTransient(error: unknown): error is BridgeError {
  return error instanceof BridgeError && (error.code === ErrorCode.TIMEOUT || (error instanceof SecretError && TRANSIENT.has(error)));
}

/** What a stale value may mask (docs/design.md §5): a transient failure, or the circuit that transient failures opened. */
function isMaskable(error: unknown): error is BridgeError {
  return isTransient(error) || (error instanceof BridgeError && error.code === ErrorCode.CIRCUIT_OPEN);
}

/** The cache holds one secret: this is its key. */
const SECRET = 'secret';

export class SecretCache {
  readonly #cache = new SharedCache<typeof SECRET, FetchedSecret>();
  /**
   * As the token endpoint's and the upstream's (lib/http/circuitBreaker.ts), but it counts each
   * caller's wait, not each fetch: when Secrets Manager hangs, a fetch runs on to its shared
   * bound (SHARED_FETCH_BUDGET_MS) after its waiters gave up, so counting fetches would open
   * it only that much later, while every invocation meanwhile waited out its deadline.
   */
  readonly #breaker: DependencyBreaker;
  #generation = 0;
  /** The last transient failure, and until when it is the answer instead of a new request. */
  #failure?: { error: BridgeError; untilMs: number };

  constructor(private readonly options: SecretCacheOptions) {
    this.#breaker = new DependencyBreaker(`Secrets Manager (secret ${options.secretId})`, isTransient);
  }

  async get(deadline: Deadline): Promise<SecretRead> {
    const current = this.#cache.latest(SECRET);
    const now = Date.now();
    const expiresAtMs = current ? current.fetchedAtMs + this.options.ttlMs : 0;
    if (current && now < expiresAtMs) return { secret: current, cacheHit: true };
    if (!current || now >= expiresAtMs + (this.options.staleMs ?? 0)) return { secret: await this.#fetchShared(deadline), cacheHit: false };
    return this.#refreshOrStale(current, deadline);
  }

  /**
   * Past the TTL but within the stale window: refresh, and fall back to the previous value
   * when Secrets Manager fails or is slow — a slow refresh is waited for at most
   * min(1 s, a third of the time left) and goes on in the background (docs/design.md §5).
   */
  async #refreshOrStale(previous: FetchedSecret, deadline: Deadline): Promise<SecretRead> {
    if (this.#recentFailure()) return { secret: previous, cacheHit: true };
    const refreshing = this.#fetchShared(deadline);
    refreshing.catch(() => undefined);
    const waitMs = Math.max(0, Math.min(STALE_REFRESH_WAIT_MAX_MS, deadline.remainingMs() / 3));
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), waitMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([refreshing, slow]);
      if (outcome !== 'slow') return { secret: outcome, cacheHit: false };
      this.#warnStale(deadline, previous, `the refresh is taking longer than ${Math.round(waitMs)} ms`);
    } catch (error) {
      if (!isMaskable(error)) throw error;
      this.#remember(error);
      this.#warnStale(deadline, previous, error.code);
    } finally {
      clearTimeout(timer);
    }
    return { secret: previous, cacheHit: true };
  }

  #warnStale(deadline: Deadline, previous: FetchedSecret, reason: string): void {
    const ageSeconds = Math.round((Date.now() - previous.fetchedAtMs) / 1000);
    deadline.log.warn(
      { event: 'secret_stale', secretId: this.options.secretId, versionId: previous.versionId, ageSeconds, reason },
      `serving the secret fetched ${ageSeconds} s ago: Secrets Manager could not refresh it (${reason})`,
    );
  }

  /**
   * Fetches again unless a fetch newer than `seenGeneration` already happened or is under
   * way: concurrent callers that saw the same rejected value share one request.
   */
  async refresh(deadline: Deadline, seenGeneration: number): Promise<FetchedSecret> {
    const current = this.#cache.latest(SECRET);
    if (current && current.generation > seenGeneration) return current;
    return this.#fetchShared(deadline);
  }

  #fetchShared(deadline: Deadline): Promise<FetchedSecret> {
    const failure = this.#recentFailure();
    if (failure) return Promise.reject(failure);
    return this.#breaker.run(deadline.log, () => this.#cache.fetch(SECRET, SECRET_STEP, deadline, (shared) => this.#fetchRemembered(shared)));
  }

  /** A transient failure of the fetch is remembered, unless a later fetch has succeeded meanwhile (one this fetch outlived). */
  async #fetchRemembered(deadline: Deadline): Promise<FetchedSecret> {
    const generation = this.#generation;
    try {
      return await this.#fetch(deadline);
    } catch (error) {
      if (generation === this.#generation && isTransient(error)) this.#remember(error);
      throw error;
    }
  }

  /** A transient failure or an open circuit: either is the answer for SECRET_FAILURE_MEMORY_MS. */
  #remember(error: BridgeError): void {
    this.#failure = { error, untilMs: Date.now() + SECRET_FAILURE_MEMORY_MS };
  }

  #recentFailure(): BridgeError | undefined {
    const failure = this.#failure;
    return failure && Date.now() < failure.untilMs ? failure.error : undefined;
  }

  /**
   * One GetSecretValue, retried by the bridge's policy (lib/http/retry.ts: at most 3 attempts,
   * full jitter, room kept before the deadline) on what docs/design.md §5 calls transient: throttling,
   * a 5xx, a network failure. The SDK client makes one attempt per call (maxAttempts: 1 in
   * lib/runtime/container.ts), so this is the only retry policy. Not found, access denied and
   * invalid requests are answers: never retried.
   */
  async #fetch(deadline: Deadline): Promise<FetchedSecret> {
    const { client, secretId } = this.options;
    const outcome = await retryWithDeadline(
      () =>
        deadline.run(SECRET_STEP, (abortSignal) =>
          client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal }).catch((error: unknown) => {
            throw abortSignal.aborted ? error : toSecretError(error, secretId);
          }),
        ),
      deadline,
      { step: SECRET_STEP, retryReason: (attempted) => ('error' in attempted ? transientReason(attempted.error) : undefined) },
    );
    if ('error' in outcome) throw outcome.error;
    const result = outcome.value;
    // A secret stored as binary (SecretBinary) has no SecretString; the bridge needs JSON text.
    if (typeof result.SecretString !== 'string') {
      throw new SecretError(
        ErrorCode.SECRET_INVALID,
        `secret ${secretId} has no SecretString; store the credentials as a JSON object in the secret's text value`,
      );
    }
    return {
      secretString: result.SecretString,
      versionId: result.VersionId ?? 'unknown',
      fetchedAtMs: Date.now(),
      generation: ++this.#generation,
    };
  }
}

interface SdkErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/** One place that turns the SDK's exceptions into stable codes; not found and access denied are never retried or masked. */
export function toSecretError(error: unknown, secretId: string): SecretError {
  const { name = '', $metadata } = (error ?? {}) as SdkErrorShape;
  if (name === 'ResourceNotFoundException') {
    return new SecretError(
      ErrorCode.SECRET_NOT_FOUND,
      `secret ${secretId} was not found: check SECRET_ID and that the function runs in the secret's region`,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException' || name === 'DecryptionFailure') {
    return new SecretError(
      ErrorCode.SECRET_ACCESS_DENIED,
      `access denied to secret ${secretId}: grant secretsmanager:GetSecretValue on it (and kms:Decrypt on its key) to the function's role`,
      { cause: error },
    );
  }
  if (name === 'CredentialsProviderError') {
    // The SDK's default chain found no credentials: asking again cannot help.
    return new SecretError(
      ErrorCode.SECRET_UNAVAILABLE,
      `Secrets Manager could not return secret ${secretId} (CredentialsProviderError: no AWS credentials found; configure them with aws configure or AWS_PROFILE, or run where a role provides them)`,
      { cause: error },
    );
  }
  const status = $metadata?.httpStatusCode;
  // docs/design.md §5: only throttling, a 5xx, a timeout or a network failure may be masked by a stale value;
  // an egress proxy that refuses (407, 403) answers the same way next time.
  const refusedByProxy = ['auth-required', 'refused'].includes(proxyTunnelErrorOf(error)?.failure.reason ?? '');
  const transient = !refusedByProxy && (/Throttl/i.test(name) || status === undefined || status >= 500);
  const failure = new SecretError(
    ErrorCode.SECRET_UNAVAILABLE,
    `Secrets Manager could not return secret ${secretId} (${sdkFailureDetail(error)})${transient ? '; try again' : ''}`,
    { cause: error, ...(status !== undefined && { status }) },
  );
  if (transient) TRANSIENT.add(failure);
  return failure;
}

/**
 * What went wrong, for messages: "ThrottlingException, HTTP 400", or the network failure's
 * code ("ECONNREFUSED"). The SDK wraps an error it does not recognise as an Error (one from
 * another realm, as under jest) in "AWS SDK error wrapper for Error: connect ECONNREFUSED …",
 * which drops its code, so the code is read back from the message too.
 */
function sdkFailureDetail(error: unknown): string {
  const { name = '', message = '', $metadata } = (error ?? {}) as SdkErrorShape & { message?: string };
  const status = $metadata?.httpStatusCode;
  if (status !== undefined) return `${name || 'error'}, HTTP ${status}`;
  return proxyTunnelErrorOf(error)?.message || networkCodeOf(error) || /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(message)?.[1] || /^AWS SDK error wrapper for (\w+)/.exec(message)?.[1] || name || 'network error';
}

/** Secret errors that a previous value may mask (see isTransient) and that are retried (see #fetch). */
const TRANSIENT = new WeakSet<SecretError>();

/**
 * Why a failed GetSecretValue is worth another attempt ("ThrottlingException, HTTP 400",
 * "ECONNREFUSED"), or undefined: only transient failures are retried, and not a TLS failure
 * (an untrusted certificate does not become trusted by asking again).
 */
function transientReason(error: unknown): string | undefined {
  if (!(error instanceof SecretError) || !TRANSIENT.has(error)) return undefined;
  const detail = sdkFailureDetail(error.cause);
  return isTlsFailure(detail) ? undefined : detail;
}
