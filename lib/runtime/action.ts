import * as z from 'zod';
import type { AuthPlatform } from '../auth/platforms/profile';
import { ErrorCode, InputError } from '../base/errors';
import { assertInputContract, assertOutputContract } from './contractRules';

/**
 * A data action, declared once (docs/design.md §8): its flat input, how to build the upstream
 * request, the upstream response schema, the transform, the flat output, and how it may
 * be called (platform, idempotency, timeout). The pipeline does everything else, and the
 * contracts (`npm run contracts`) are generated from the same declaration.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface UpstreamRequestSpec {
  method: HttpMethod;
  /** Path under the API base URL; build it with `path` below so input values are encoded. */
  path: string;
  query?: Readonly<Record<string, string | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  body?: unknown;
}

/** A plain function by default; `jsonataTransform` (lib/runtime/jsonataTransform.ts) builds one from configuration. */
export type Transform<UpstreamResponse, Input, Output> = (response: UpstreamResponse, input: Input) => Output | Promise<Output>;

export interface ActionDefinition<Input, UpstreamResponse, Output> {
  name: string;
  description: string;
  /** The AUTH_PLATFORM the action's API needs; undefined: any. Checked at cold start. */
  platform?: AuthPlatform;
  /**
   * The connection whose secret, token endpoint and API base the deployment gives it
   * (tools/codegen/connections.ts): undefined, the platform's shared one; a name, params of its
   * own (`orders` → ordersSecretId, ordersTokenUrl, …). Actions on one connection share its tokens.
   */
  connection?: string;
  input: z.ZodType<Input>;
  request: (input: Input) => UpstreamRequestSpec;
  response: z.ZodType<UpstreamResponse>;
  transform: Transform<UpstreamResponse, Input, Output>;
  output: z.ZodType<Output>;
  /** Whether a failed request may be sent again (docs/design.md §7). Default: true for GET, false otherwise. */
  idempotent?: boolean;
  /** The action's own time limit; the invocation uses the smallest of this, ACTION_TIMEOUT_MS and Lambda's. */
  timeoutMs?: number;
  /** Environment variables this action cannot work without; checked at cold start. */
  requiredConfig?: readonly string[];
}

// The pipeline handles every action alike; the types of one action matter only inside it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = ActionDefinition<any, any, any>;

/** What an action may be named: it becomes a function name, a folder and an environment prefix. */
export const ACTION_NAME = /^[a-z][A-Za-z0-9]*$/;

/**
 * Declares an action. Its input and output must follow Genesys Cloud's contract rules
 * (lib/runtime/contractRules.ts): input properties are primitives with plain, unreserved names;
 * outputs may nest objects but not arrays; no $ref. A declaration that breaks them throws
 * here, so the action's own tests fail rather than the contract's import.
 */
export function defineAction<Input, UpstreamResponse, Output>(
  definition: ActionDefinition<Input, UpstreamResponse, Output>,
): ActionDefinition<Input, UpstreamResponse, Output> {
  if (!ACTION_NAME.test(definition.name)) throw new Error(`action name ${definition.name} must be camelCase letters and digits`);
  assertInputContract(`${definition.name} input`, z.toJSONSchema(definition.input, { io: 'input' }));
  assertOutputContract(`${definition.name} output`, z.toJSONSchema(definition.output, { io: 'output' }));
  return definition;
}

export function isIdempotent(action: AnyAction, method: HttpMethod): boolean {
  return action.idempotent ?? method === 'GET';
}

/**
 * Builds a path from a template and values, percent-encoding each value:
 * path`/queues/${id}/wait`. A value of "." or ".." is refused: URL parsing would resolve it
 * (even encoded) and send the token to another endpoint.
 */
export function path(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((built, text, index) => {
    if (index >= values.length) return built + text;
    const value = String(values[index]);
    if (value === '.' || value === '..' || value === '') {
      throw new InputError(ErrorCode.INPUT_INVALID, `a path segment may not be empty, "." or ".."`);
    }
    return built + text + encodeURIComponent(value);
  }, '');
}

/** The prefix of an action's own environment variables: queueEstimatedWait → QUEUE_ESTIMATED_WAIT__. */
export function actionEnvPrefix(name: string): string {
  return `${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}__`;
}

/**
 * The environment one action sees: the function's variables, overridden by those prefixed
 * with the action's name (QUEUE_ESTIMATED_WAIT__SECRET_ID). One HTTP front function can so
 * host actions on different platforms, each with its own secret.
 */
export function actionEnv(env: NodeJS.ProcessEnv, name: string): NodeJS.ProcessEnv {
  const prefix = actionEnvPrefix(name);
  const scoped: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(env)) {
    // The logger is one per function: its level is not an action's to change.
    if (key.startsWith(prefix) && key !== `${prefix}LOG_LEVEL`) scoped[key.slice(prefix.length)] = value;
  }
  return scoped;
}
