import type * as z from 'zod';

/**
 * A data action, declared once (SPEC §8): its flat input, how to build the upstream
 * request, the upstream response schema, the transform and the flat output. The pipeline
 * (lib/pipeline.ts) does everything else.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface UpstreamRequestSpec {
  method: HttpMethod;
  /** Path under UPSTREAM_BASE_URL, already encoded where it holds input values. */
  path: string;
  query?: Readonly<Record<string, string>>;
  headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface ActionDefinition<Input, UpstreamResponse, Output> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  request: (input: Input) => UpstreamRequestSpec;
  response: z.ZodType<UpstreamResponse>;
  transform: (response: UpstreamResponse, input: Input) => Output;
  output: z.ZodType<Output>;
  /** Environment variables this action cannot work without; checked at cold start. */
  requiredConfig: readonly string[];
}

// The pipeline handles every action alike; the types of one action matter only inside it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = ActionDefinition<any, any, any>;

export function defineAction<Input, UpstreamResponse, Output>(
  definition: ActionDefinition<Input, UpstreamResponse, Output>,
): ActionDefinition<Input, UpstreamResponse, Output> {
  return definition;
}
