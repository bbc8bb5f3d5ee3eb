import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from './deadline';
import { ErrorCode, SecretError } from './errors';
import { SingleFlight } from './singleFlight';

/**
 * The client-credentials secret from AWS Secrets Manager, cached per container for the
 * TTL (SPEC §5). The cache keeps the in-flight promise, so concurrent invocations share
 * one request, and forgets a failed request, so a failure never poisons the cache.
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
}

export class SecretCache {
  #current?: FetchedSecret;
  readonly #flight = new SingleFlight<FetchedSecret>();
  #generation = 0;
  #requests = 0;

  constructor(private readonly options: SecretCacheOptions) {}

  /** How many GetSecretValue calls this container has made. */
  get requestCount(): number {
    return this.#requests;
  }

  async get(deadline: Deadline): Promise<SecretRead> {
    const current = this.#current;
    if (current && Date.now() < current.fetchedAtMs + this.options.ttlMs) return { secret: current, cacheHit: true };
    return { secret: await this.#fetchShared(deadline), cacheHit: false };
  }

  /**
   * Fetches again unless a fetch newer than `seenGeneration` already happened or is under
   * way: concurrent callers that saw the same rejected value share one request.
   */
  async refresh(deadline: Deadline, seenGeneration: number): Promise<FetchedSecret> {
    const current = this.#current;
    if (current && current.generation > seenGeneration) return current;
    return this.#fetchShared(deadline);
  }

  #fetchShared(deadline: Deadline): Promise<FetchedSecret> {
    const shared = this.#flight.run(async () => {
      const secret = await this.#fetch(deadline);
      this.#current = secret;
      return secret;
    });
    // Callers that joined another invocation's fetch are still bounded by their own deadline.
    return deadline.run(SECRET_STEP, () => shared);
  }

  async #fetch(deadline: Deadline): Promise<FetchedSecret> {
    const { client, secretId } = this.options;
    this.#requests++;
    const result = await deadline.run(SECRET_STEP, (abortSignal) =>
      client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal }).catch((error: unknown) => {
        throw abortSignal.aborted ? error : toSecretError(error, secretId);
      }),
    );
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
  const status = $metadata?.httpStatusCode;
  return new SecretError(
    ErrorCode.SECRET_UNAVAILABLE,
    `Secrets Manager could not return secret ${secretId} (${name || 'network error'}${status ? `, HTTP ${status}` : ''}); try again`,
    { cause: error, ...(status !== undefined && { status }) },
  );
}
