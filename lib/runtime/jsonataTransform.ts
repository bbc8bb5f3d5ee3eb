import jsonata from 'jsonata';
import type { Transform } from './action';
import { JSONATA_MAX_DEPTH, JSONATA_MAX_SEQUENCE, JSONATA_TIMEOUT_MS } from '../base/constants';
import { ErrorCode, OutputError } from '../base/errors';

/**
 * Transforms written as JSONata expressions, for mappings integrators change without code.
 * Expressions come from the project's own files (an action folder's mapping.json), never
 * from an event. Each is compiled once, when its action module loads (once per container),
 * and evaluated with JSONata's own guardrails: a time limit, a depth limit and a sequence
 * length limit, so a runaway expression cannot hold the invocation.
 */

export interface JsonataMapping {
  /** What the mapping does, for the people who edit it. */
  description?: string;
  expression: string;
  timeoutMs?: number;
  maxDepth?: number;
}

interface JsonataFailure {
  code?: string;
  position?: number;
}

function describe(failure: JsonataFailure, mapping: Required<Pick<JsonataMapping, 'timeoutMs' | 'maxDepth'>>): string {
  if (failure.code === 'D1012') return `exceeded its time limit of ${mapping.timeoutMs} ms`;
  if (failure.code === 'D1011') return `exceeded its depth limit of ${mapping.maxDepth}`;
  return `failed with ${where(failure)}`;
}

/** JSONata's own messages may quote data values; the code and position say where without them. */
function where(failure: JsonataFailure): string {
  return `JSONata error ${failure.code ?? 'unknown'}${failure.position !== undefined ? ` at position ${failure.position}` : ''}`;
}

/** The input is available to the expression as `$input`; the upstream response is the context. */
export function jsonataTransform<UpstreamResponse, Input, Output>(name: string, mapping: JsonataMapping): Transform<UpstreamResponse, Input, Output> {
  const limits = { timeoutMs: mapping.timeoutMs ?? JSONATA_TIMEOUT_MS, maxDepth: mapping.maxDepth ?? JSONATA_MAX_DEPTH };
  // A syntax error throws here: the action module fails to load, and its tests with it.
  let expression: jsonata.Expression;
  try {
    expression = jsonata(mapping.expression, { timeout: limits.timeoutMs, stack: limits.maxDepth, sequence: JSONATA_MAX_SEQUENCE });
  } catch (error) {
    throw new Error(`the ${name} mapping does not compile: ${where(error as JsonataFailure)}`);
  }
  return async (response, input) => {
    try {
      return (await expression.evaluate(response, { input })) as Output;
    } catch (error) {
      throw new OutputError(ErrorCode.TRANSFORM_FAILED, `the ${name} mapping ${describe(error as JsonataFailure, limits)}`);
    }
  };
}
