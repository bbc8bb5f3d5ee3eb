import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { HTTP_CALLER_KEY_MIN_CHARS, HTTP_FUTURE_SKEW_SECONDS } from '../base/constants';
import type { Deadline } from '../http/deadline';
import { BridgeError, ErrorCode, SecretError } from '../base/errors';
import type { SecretCache } from '../auth/secretCache';

/**
 * Who may call the HTTP front (docs/design.md §9): nothing is served unauthenticated. A caller
 * presents either
 * - an API key, as `Authorization: Bearer <key>` or `x-api-key: <key>`, or
 * - an HMAC-SHA256 signature: `x-bridge-timestamp: <unix seconds>` and
 *   `x-bridge-signature: sha256=<hex of HMAC(key, timestamp + "." + METHOD + "." + path + "." + body)>`,
 *   where path is the raw request path as received. A signature is valid from the replay
 *   window before the bridge's clock to HTTP_FUTURE_SKEW_SECONDS after it, and may be
 *   presented again inside that: CXone Studio retries a failed call, and identical requests
 *   in the same second are normal for queue lookups. Signing the method and path keeps a
 *   signature from being replayed against another action.
 * Keys live in Secrets Manager as `{"apiKeys": ["…", "…"], "hmacKeys": ["…"]}`; two keys of
 * a kind are both valid, so keys rotate without downtime. Comparisons take constant time.
 */

export class CallerError extends BridgeError {
  override name = 'CallerError';
}

const KeysSecret = z
  .object({
    apiKeys: z.array(z.string().min(HTTP_CALLER_KEY_MIN_CHARS, `each API key must have at least ${HTTP_CALLER_KEY_MIN_CHARS} characters`)).default([]),
    hmacKeys: z.array(z.string().min(HTTP_CALLER_KEY_MIN_CHARS, `each HMAC key must have at least ${HTTP_CALLER_KEY_MIN_CHARS} characters`)).default([]),
  })
  .refine((keys) => keys.apiKeys.length + keys.hmacKeys.length > 0, 'holds no apiKeys and no hmacKeys');

type Keys = z.infer<typeof KeysSecret>;

/** What a caller presents, read from the headers alone. */
type Presented = { apiKey: string } | { signature: string; timestamp: string };

export interface CallerRequest {
  method: string;
  /** The raw request path as received, e.g. /actions/customerLookup or /prod/actions/customerLookup. */
  path: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

/** What an HMAC caller signs: `timestamp.METHOD.path.body`. */
function signedText(timestamp: string, request: Pick<CallerRequest, 'method' | 'path' | 'body'>): string {
  return `${timestamp}.${request.method.toUpperCase()}.${request.path}.${request.body}`;
}

export interface CallerAuthOptions {
  keys: SecretCache;
  secretId: string;
  replayWindowMs: number;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares every key (no early exit) over fixed-length digests, so timing tells nothing. */
function matchesAny(candidate: string, keys: readonly string[]): boolean {
  const presented = digest(candidate);
  let match = false;
  for (const key of keys) match = timingSafeEqual(presented, digest(key)) || match;
  return match;
}

function unauthenticated(detail: string): CallerError {
  return new CallerError(ErrorCode.CALLER_UNAUTHENTICATED, detail);
}

export class CallerAuth {
  readonly #parsed = new WeakMap<object, Keys>();

  constructor(private readonly options: CallerAuthOptions) {}

  async #keys(deadline: Deadline): Promise<Keys> {
    const { secret } = await this.options.keys.get(deadline);
    const cached = this.#parsed.get(secret);
    if (cached) return cached;
    let json: unknown;
    try {
      json = JSON.parse(secret.secretString);
    } catch {
      json = undefined;
    }
    const parsed = KeysSecret.safeParse(json);
    if (!parsed.success) {
      throw new SecretError(
        ErrorCode.SECRET_INVALID,
        `secret ${this.options.secretId} must hold {"apiKeys": [...], "hmacKeys": [...]}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
      );
    }
    this.#parsed.set(secret, parsed.data);
    return parsed.data;
  }

  /**
   * Resolves when the caller is authenticated; rejects with CALLER_UNAUTHENTICATED otherwise.
   * What the headers alone decide is refused before the callers' secret is read, so a flood
   * of garbage costs Secrets Manager nothing.
   */
  async authenticate(request: CallerRequest, deadline: Deadline): Promise<'api-key' | 'hmac'> {
    const presented = this.#presented(request);
    const keys = await this.#keys(deadline);
    if ('apiKey' in presented) {
      if (matchesAny(presented.apiKey, keys.apiKeys)) return 'api-key';
      throw unauthenticated('the API key is not valid');
    }
    const signed = signedText(presented.timestamp, request);
    const expected = keys.hmacKeys.map((key) => createHmac('sha256', key).update(signed, 'utf8').digest('hex'));
    if (!matchesAny(presented.signature, expected)) throw unauthenticated('the HMAC signature is not valid (sign timestamp.METHOD.path.body)');
    return 'hmac';
  }

  /** The credentials presented, when their shape could match a key: a key long enough, a signature of 64 hex digits with a timestamp in the window. */
  #presented({ headers }: CallerRequest): Presented {
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim();
    const apiKey = bearer ?? headers['x-api-key'];
    if (apiKey) {
      if (apiKey.length < HTTP_CALLER_KEY_MIN_CHARS) throw unauthenticated('the API key is not valid');
      return { apiKey };
    }
    const signature = headers['x-bridge-signature'];
    if (!signature) throw unauthenticated('send an API key (Authorization: Bearer …) or an HMAC signature (x-bridge-signature)');
    const timestamp = headers['x-bridge-timestamp'] ?? '';
    if (!/^\d{1,12}$/.test(timestamp)) throw unauthenticated('x-bridge-timestamp must be the signing time in Unix seconds');
    const { replayWindowMs } = this.options;
    const ageMs = Date.now() - Number(timestamp) * 1000;
    if (ageMs > replayWindowMs) throw unauthenticated(`the signature is outside the ${replayWindowMs / 1000} s replay window (check the caller's clock)`);
    const futureMs = Math.min(replayWindowMs, HTTP_FUTURE_SKEW_SECONDS * 1000);
    if (-ageMs > futureMs) {
      throw unauthenticated(`the signature is outside the replay window: its timestamp is more than ${futureMs / 1000} s ahead of the bridge's clock (check the caller's clock)`);
    }
    const hex = /^(?:sha256=)?([0-9a-f]{64})$/i.exec(signature)?.[1];
    if (!hex) throw unauthenticated('x-bridge-signature must be sha256= and the 64 hex digits of an HMAC-SHA256');
    return { signature: hex.toLowerCase(), timestamp };
  }
}
