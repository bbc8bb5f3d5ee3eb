import type * as z from 'zod';
import { isIdempotent, type AnyAction } from './action';
import type { Container } from './container';
import type { Deadline } from '../http/deadline';
import { ErrorCode, InputError, OutputError } from '../base/errors';
import { callUpstream, type UpstreamObservation } from './upstream';

/**
 * One invocation of an action (docs/design.md §3): input → credentials and token (cached) → upstream
 * → transform → output contract. Invalid input is rejected before any network step.
 */

function parseInput(action: AnyAction, rawInput: unknown): unknown {
  const parsed = action.input.safeParse(rawInput);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new InputError(ErrorCode.INPUT_INVALID, problems);
}

function checkOutput(action: AnyAction, output: unknown, maxOutputBytes: number): unknown {
  const parsed = action.output.safeParse(output);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`).join('; ');
    throw new OutputError(ErrorCode.OUTPUT_INVALID, `${action.name} produced output that breaks its contract: ${problems}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(parsed.data), 'utf8');
  if (bytes > maxOutputBytes) {
    throw new OutputError(
      ErrorCode.OUTPUT_TOO_LARGE,
      `${action.name} output is ${bytes} bytes, over MAX_OUTPUT_BYTES (${maxOutputBytes}); narrow the output contract or raise the limit`,
    );
  }
  return parsed.data;
}

/**
 * zod compiles an object schema (its key analysis and a generated fast path) the first time
 * it parses an object, i.e. on the first invocation. Parsing an empty object with every
 * object schema in the action's input, upstream response and output compiles them at module
 * initialisation instead; the results are thrown away.
 */
export function precompileSchemas(action: AnyAction): void {
  const seen = new Set<unknown>();
  const visit = (schema: unknown): void => {
    const zod = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod;
    if (!zod?.def || seen.has(schema)) return;
    seen.add(schema);
    const def = zod.def;
    if (def.type === 'object') {
      (schema as z.ZodType).safeParse({});
      for (const field of Object.values(def.shape as Record<string, unknown>)) visit(field);
    }
    for (const key of ['element', 'innerType', 'in', 'out', 'left', 'right', 'keyType', 'valueType', 'catchall']) visit(def[key]);
    for (const key of ['options', 'items']) if (Array.isArray(def[key])) (def[key] as unknown[]).forEach(visit);
  };
  for (const schema of [action.input, action.response, action.output]) visit(schema);
}

export async function runAction(
  container: Container,
  action: AnyAction,
  rawInput: unknown,
  deadline: Deadline,
  observation: UpstreamObservation,
): Promise<unknown> {
  const input = parseInput(action, rawInput);
  const { config, agent, auth, upstreamBreaker } = container;
  const request = action.request(input);
  const response = await callUpstream(
    { agent, auth, breaker: upstreamBreaker, idempotent: isIdempotent(action, request.method), maxBodyBytes: config.maxUpstreamBytes, deadline },
    request,
    action.response,
    observation,
  );
  return checkOutput(action, await action.transform(response, input), config.maxOutputBytes);
}
