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

/** What an action folder's standIn.ts exports for the sandbox: its route, answering with sample data. */
export interface ActionStandIn {
  route: ApiRoute;
}

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

export async function startApiStandIn(
  isAuthorized: IsAuthorized,
  route: (request: LoopbackRequest) => LoopbackReply,
  correlationHeader = 'x-request-id',
): Promise<ApiStandIn> {
  let requests = 0;
  const authorizations: Array<string | undefined> = [];
  const server = await startLoopbackServer((request) => {
    requests++;
    authorizations.push(request.headers.authorization);
    const reply = isAuthorized(request.headers.authorization) ? route(request) : json(401, { message: 'invalid or expired token' });
    return { ...reply, headers: { ...reply.headers, [correlationHeader]: `sandbox-${requests}` } };
  });
  return {
    ...server,
    get requests() {
      return requests;
    },
    authorizations,
  };
}
