import type { TokenSource, TokenSourceSettings } from './tokenSource';

/**
 * The token sources of one function, one per connection: the HTTPS front hosts every action,
 * and actions whose credentials, token endpoint and API come from the same settings (one
 * connection, tools/codegen/connections.ts) share one secret cache, one token pool and its
 * budgets, as they share one client at the platform. Direct-invoke functions hold one action
 * each and need none of this.
 */
export class ConnectionSources {
  readonly #sources = new Map<string, TokenSource>();

  /** The source for `settings`: the one made for the same settings before, else `create()`'s. */
  sourceFor(settings: TokenSourceSettings, create: () => TokenSource): TokenSource {
    const key = connectionKey(settings);
    let source = this.#sources.get(key);
    if (!source) this.#sources.set(key, (source = create()));
    return source;
  }
}

/** Every setting a token source reads: two actions with equal keys are on one connection. */
function connectionKey(settings: TokenSourceSettings): string {
  const { secretId, authPlatform, tokenUrl, genesysRegion, cxoneIssuer, cxoneTenantId, scope, tokenExtraParams, clientAuthMethod } = settings;
  const { secretTtlMs, secretStaleMs, upstreamBaseUrl, tokenRateLimitPerMinute, tokenPoolSize } = settings;
  return JSON.stringify([secretId, authPlatform, tokenUrl, genesysRegion, cxoneIssuer, cxoneTenantId, scope, tokenExtraParams, clientAuthMethod, secretTtlMs, secretStaleMs, upstreamBaseUrl, tokenRateLimitPerMinute, tokenPoolSize]);
}
