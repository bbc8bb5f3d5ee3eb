/**
 * Every default and limit in one place; units are part of the names.
 * Configuration (lib/runtime/config.ts) falls back to these when a variable is not set.
 */

export const SECRET_TTL_SECONDS = 300;
/** How long past its TTL a cached secret may be served while Secrets Manager is failing (docs/design.md §5). */
export const SECRET_STALE_SECONDS = 900;
export const DEADLINE_MARGIN_MS = 200;
/** What CXone Studio's REST action reads; Genesys Functions carry up to 750,000 bytes (docs/design.md §9). */
export const MAX_OUTPUT_BYTES = 32_768;
export const MAX_UPSTREAM_BYTES = 1_048_576;
/** Used when no Lambda context tells the time left (scripts, tests without a context). */
export const FALLBACK_INVOCATION_BUDGET_MS = 30_000;
/**
 * A first invocation that arrives within this long of the end of INIT was waited for through
 * INIT by its caller (an on-demand cold start); one that arrives later found an environment
 * Lambda had initialised ahead of time, and its caller's clock starts at the event.
 */
export const COLD_START_INVOKE_GAP_MAX_MS = 100;

/** Tokens are reused until expires_at minus min(60 s, 10 % of the lifetime) (docs/design.md §6). */
export const TOKEN_EXPIRY_SKEW_MAX_MS = 60_000;
export const TOKEN_EXPIRY_SKEW_FRACTION = 0.1;
/**
 * After a rejection that asking again did not cure, the same client fails fast this long:
 * invalid_client with a freshly fetched secret, or an upstream 401 on a newly issued token.
 */
export const REJECTED_CLIENT_BACKOFF_MS = 30_000;
/**
 * Per-token request budgets: Genesys Cloud allows 300 requests a minute per client-credentials
 * token (organization limit client.credentials.token.rate.per.minute); no limit elsewhere
 * unless TOKEN_RATE_LIMIT_PER_MINUTE is set. A container holds at most TOKEN_POOL_SIZE tokens per client.
 */
export const GENESYS_TOKEN_RATE_LIMIT_PER_MINUTE = 300;
export const TOKEN_POOL_SIZE = 4;
/** The window of a per-token budget (per minute); inin-ratelimit-reset never points further than this. */
export const TOKEN_RATE_WINDOW_MS = 60_000;
/** A token refused for its own limit is not used again for at least this long. */
export const TOKEN_LIMITED_MIN_WAIT_MS = 1_000;
/** RFC 6749 §5.1 makes expires_in optional; assume a short lifetime when it is absent. */
export const TOKEN_ASSUMED_LIFETIME_SECONDS = 300;

/**
 * An upstream correlation id sharing this many characters in a row (in any case) with the
 * token sent or the client's secrets may carry a piece of one, and is dropped.
 */
export const CREDENTIAL_RUN_CHARS = 8;

/** The CXone OpenID issuer used for discovery when CXONE_ISSUER is not set. */
export const CXONE_DEFAULT_ISSUER = 'https://cxone.niceincontact.com';

/** undici's own defaults are 5 minutes; a data action never waits that long (docs/design.md §7). */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 30_000;
export const HTTP_CONNECTIONS_PER_ORIGIN = 64;
/** How long the AWS SDK's tunnel agent waits for the egress proxy to answer CONNECT: undici's own connect timeout here (lib/http/httpClient.ts). */
export const PROXY_CONNECT_TIMEOUT_MS = 10_000;
/** A CONNECT answer's head longer than this is not a proxy's answer. */
export const PROXY_RESPONSE_HEAD_MAX_BYTES = 16_384;

/** Guardrails for JSONata mappings (lib/runtime/jsonataTransform.ts): a mapping is data shaping, never long work. */
export const JSONATA_TIMEOUT_MS = 100;
export const JSONATA_MAX_DEPTH = 200;
export const JSONATA_MAX_SEQUENCE = 10_000;

/**
 * Genesys Cloud data action `config.timeoutSeconds` (tools/contracts/contracts.ts): "Optional 1-60 second
 * timeout" (platform SDK model ActionConfig), 60 s when none is set (Genesys Resource Center,
 * "Add configuration to custom actions for integrations"; research-17 §1).
 */
export const GENESYS_DATA_ACTION_MAX_TIMEOUT_SECONDS = 60;
/** Added to an action's own timeout in its Genesys definition: room for the Lambda invoke round trip. */
export const GENESYS_INVOKE_ROUND_TRIP_SECONDS = 1;

/** The HTTP front (lib/front/httpFront.ts): data action inputs are small and flat. */
export const HTTP_MAX_BODY_BYTES = 16_384;
/** The shortest key the callers' secret may hold: a shorter key presented is refused before the secret is read. */
export const HTTP_CALLER_KEY_MIN_CHARS = 16;
/**
 * How old a signed request's timestamp may be. Inside this window the same signature is
 * accepted again, as often as it comes (docs/design.md §9: platforms retry, CXone Studio twice), so a
 * request captured in transit can be replayed until its timestamp leaves the window.
 */
export const HTTP_REPLAY_WINDOW_SECONDS = 300;
/**
 * How far ahead of the bridge's clock a signed request's timestamp may be (at most the replay
 * window): only clock skew puts it there, while the past window also covers delivery and
 * retries. RFC 7519 §4.1.5 allows a not-yet-valid time "some small leeway, usually no more
 * than a few minutes, to account for clock skew"; 60 s is an assumption within that (callers'
 * clocks are NTP-synchronised, as cloud platforms' are).
 */
export const HTTP_FUTURE_SKEW_SECONDS = 60;

/** Retries of idempotent requests (docs/design.md §7, lib/http/retry.ts). */
export const RETRY_MAX_ATTEMPTS = 3;
export const RETRY_BASE_DELAY_MS = 100;
export const RETRY_MAX_DELAY_MS = 1_000;

/** Circuit breaker (lib/http/circuitBreaker.ts): after this many failures in a row, fail fast for a while. */
export const CIRCUIT_FAILURE_THRESHOLD = 5;
export const CIRCUIT_OPEN_MS = 10_000;

/** A slow secret refresh is waited for at most min(this, a third of the time left) before a stale value is used (docs/design.md §5). */
export const STALE_REFRESH_WAIT_MAX_MS = 1_000;
/**
 * A secret fetch that failed transiently (throttling, 5xx, network, timeout) is remembered
 * this long: callers meanwhile get its error, or the stale value, without asking Secrets
 * Manager again (so, while a stale secret is served, it is asked at most this often).
 */
export const SECRET_FAILURE_MEMORY_MS = 5_000;

/** How long a prefetch started at module initialisation may take (lib/runtime/invocation.ts). */
export const PREFETCH_BUDGET_MS = 5_000;

/** A fetch shared by concurrent invocations is bounded by at least this (lib/http/deadline.ts forSharedWork). */
export const SHARED_FETCH_BUDGET_MS = 10_000;

/** The CloudWatch namespace of the bridge's metrics unless METRICS_NAMESPACE says otherwise. */
export const METRICS_NAMESPACE = 'DataActionBridge';
/** The `service` dimension of every metric (the alarms and dashboard in deploy/actions.json select on it). */
export const METRICS_SERVICE = 'data-action-bridge';

/** Client certificates: days left are counted in whole days of this length. */
export const DAY_MS = 86_400_000;
/** The doctor warns about a client certificate with fewer days left (the alarm's default, param clientCertAlarmDays). */
export const CLIENT_CERT_WARN_DAYS = 14;
/** The longest a failed connection's second look for a TLS alert may take (lib/http/tlsRefusal.ts). */
export const TLS_REFUSAL_PROBE_MS = 500;
/**
 * The doctors warn (CLOCK_SKEW) when the token endpoint's Date header (RFC 9110 §6.6.1) is this
 * far from the local clock. Assumption: beyond 30 s something is wrong with NTP; JWT checks allow
 * "a few minutes" of leeway (RFC 7519 §4.1.4), so a skew this size is seen before it bites.
 */
export const DOCTOR_CLOCK_SKEW_WARN_SECONDS = 30;
/**
 * The production doctor's companion function: each network step's budget (a connect that
 * hangs this long is NETWORK_NO_ROUTE), and its Lambda timeout (deploy/actions.json), which
 * leaves room for every step of a run to use its whole budget (two secret calls, DNS, TCP,
 * TLS and a request to the token endpoint and to the upstream: ten steps).
 */
export const PRODUCTION_DOCTOR_STEP_BUDGET_MS = 5_000;
export const PRODUCTION_DOCTOR_TIMEOUT_SECONDS = 60;
