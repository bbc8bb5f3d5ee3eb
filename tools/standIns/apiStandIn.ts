import type { AuthPlatform } from '../../lib/auth/platforms/profile';
import { json, startLoopbackServer, type LoopbackReply, type LoopbackRequest, type LoopbackServer } from './loopbackServer';

/**
 * An upstream API stand-in on loopback: it counts requests, keeps the Authorization
 * headers it saw, answers 401 to a token the token endpoint stand-in did not issue, and
 * hands authorised requests to `route`. Each reply carries `correlationHeader`.
 */

export interface ApiStandIn extends LoopbackServer {
  readonly requests: number;
  /** Authorization header values seen, one per request. */
  readonly authorizations: ReadonlyArray<string | undefined>;
}

export type IsAuthorized = (authorization: string | undefined) => boolean;

/** One action's part of an API stand-in: its answer to a request on its own paths, undefined for any other path. */
export type ApiRoute = (request: LoopbackRequest) => LoopbackReply | undefined;

/**
 * What an action folder's standIn.ts exports for the sandbox (`defineStandIn`): its route on
 * the API stand-in of the action's platform (action.ts declares the platform), answering from
 * the folder's sample data, or from `data` when a caller of the sandbox gives the action other
 * data (SandboxOptions.sampleData). The kit knows no action: the sandbox reads these through
 * the generated registry, lib/actions/standIns.ts.
 */
export interface ActionStandIn {
  route(data?: unknown): ApiRoute;
}

/**
 * An action's stand-in from its sample data and the route that serves data of that shape.
 * The data a caller gives is the action's own business: only its route reads it, hence the one
 * unchecked cast here rather than a schema per stand-in.
 */
export function defineStandIn<Data>(sample: Data, routeOf: (data: Data) => ApiRoute): ActionStandIn {
  return { route: (data) => routeOf(data === undefined ? sample : (data as Data)) };
}

/** Genesys Cloud's API answers carry `inin-correlation-id`. */
export const GENESYS_CORRELATION_HEADER = 'inin-correlation-id';

/** The correlation header of each platform's API answers, where it is not the stand-in's default (`x-request-id`). */
export const PLATFORM_CORRELATION_HEADERS: Readonly<Partial<Record<AuthPlatform, string>>> = { 'genesys-cloud': GENESYS_CORRELATION_HEADER };

/** Routes tried in turn; a path none of them knows is 404. */
export function firstRoute(routes: readonly ApiRoute[]): (request: LoopbackRequest) => LoopbackReply {
  return (request) => {
    for (const route of routes) {
      const reply = route(request);
      if (reply) return reply;
    }
    return json(404, { message: 'no such route' });
  };
}

/**
 * A per-token rate limit as Genesys Cloud enforces it (300 requests a minute per client-credentials
 * token): every answer carries `inin-ratelimit-allowed`, `-count` and `-reset` (seconds), and a
 * request over the limit gets Genesys's normalized 429 with Retry-After.
 */
export interface TokenLimit {
  perWindow: number;
  /** 60,000 in production; shorter in time-scaled runs. */
  windowMs: number;
}

export interface TokenLimitedStandIn {
  /** 429s answered because a token was over its limit. */
  readonly limited: number;
}

function tokenLimiter(limit: TokenLimit) {
  const sent = new Map<string, number[]>();
  let limited = 0;
  return {
    get limited() {
      return limited;
    },
    /** Counts the request; the headers to add, and whether it is over the limit. */
    count(authorization: string, nowMs: number): { headers: Record<string, string>; over: boolean } {
      const recent = (sent.get(authorization) ?? []).filter((at) => at > nowMs - limit.windowMs);
      const over = recent.length >= limit.perWindow;
      if (!over) recent.push(nowMs);
      sent.set(authorization, recent);
      if (over) limited++;
      const resetSeconds = Math.max(1, Math.ceil((recent[0]! + limit.windowMs - nowMs) / 1000));
      const headers = {
        'inin-ratelimit-allowed': String(limit.perWindow),
        'inin-ratelimit-count': String(over ? limit.perWindow : recent.length),
        'inin-ratelimit-reset': String(resetSeconds),
      };
      return { headers, over };
    },
  };
}

/** Genesys Cloud's 429 body since November 2021 ("Normalized Platform API 429 responses", developer forum). */
function genesysTooManyRequests(retryAfterSeconds: number): LoopbackReply {
  return json(
    429,
    { message: `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`, code: 'too.many.requests.retry.after', status: 429, details: [], errors: [] },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export async function startApiStandIn(
  isAuthorized: IsAuthorized,
  route: (request: LoopbackRequest) => LoopbackReply,
  correlationHeader = 'x-request-id',
  tokenLimit?: TokenLimit,
): Promise<ApiStandIn & TokenLimitedStandIn> {
  let requests = 0;
  const authorizations: Array<string | undefined> = [];
  const limiter = tokenLimit && tokenLimiter(tokenLimit);
  const server = await startLoopbackServer((request) => {
    requests++;
    const { authorization } = request.headers;
    authorizations.push(authorization);
    let reply: LoopbackReply;
    if (!isAuthorized(authorization)) reply = json(401, { message: 'invalid or expired token' });
    else if (limiter) {
      const counted = limiter.count(authorization!, Date.now());
      const answer = counted.over ? genesysTooManyRequests(Number(counted.headers['inin-ratelimit-reset'])) : route(request);
      reply = { ...answer, headers: { ...answer.headers, ...counted.headers } };
    } else reply = route(request);
    // Not "sandbox-N": that shares 8 characters with the tokens the stand-in issues (sandbox-at-…), and the bridge drops such an id.
    return { ...reply, headers: { ...reply.headers, [correlationHeader]: `req-${requests}` } };
  });
  return {
    ...server,
    get requests() {
      return requests;
    },
    get limited() {
      return limiter?.limited ?? 0;
    },
    authorizations,
  };
}
