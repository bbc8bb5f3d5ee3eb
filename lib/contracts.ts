import * as z from 'zod';
import type { AnyAction } from './action';

/**
 * Data action contracts generated from an action's declaration (SPEC §8):
 * - a Genesys Cloud data action definition for the AWS Lambda data actions integration,
 *   ready to import: input and output contracts as JSON Schema (draft-04, as Genesys
 *   contracts are written), the Lambda ARN as request URL template, `${input.rawRequest}` as
 *   request template and `${rawResult}` as success template;
 * - the same for a Genesys Cloud Web Services data action calling the HTTP front;
 * - a CXone Studio REST action snippet for the HTTP front: URL, method, headers, sample body.
 */

type JsonSchema = Record<string, unknown>;

export const SERVICE_NAME = 'data-action-bridge';
/** Placeholders the user replaces; they are not valid values on purpose. */
export const PLACEHOLDERS = {
  lambdaArn: (name: string) => `arn:aws:lambda:<REGION>:<ACCOUNT_ID>:function:${SERVICE_NAME}-<STAGE>-${name}`,
  httpUrl: (name: string) => `https://<API_ID>.execute-api.<REGION>.amazonaws.com/actions/${name}`,
} as const;

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * Drops what a data action contract should not carry: zod's safe-integer bounds, and
 * patterns, because the bridge trims and validates input itself and says what is wrong in
 * words a flow author can act on, where the platform would only say the contract failed.
 */
function tidy(schema: JsonSchema): JsonSchema {
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'pattern') continue;
    if ((key === 'minimum' || key === 'maximum') && SAFE_INTEGER_BOUNDS.has(value as number)) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      result[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, property]) => [name, tidy(property)]));
    } else if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      result[key] = tidy(value as JsonSchema);
    } else {
      result[key] = value;
    }
  }
  return result;
}

export function inputContract(action: AnyAction): JsonSchema {
  const schema = tidy(z.toJSONSchema(action.input, { io: 'input', target: 'draft-4' }) as JsonSchema);
  // Extra input keys are ignored by the bridge, so the contract does not forbid them.
  return { ...schema, title: `${action.name} input`, description: action.description, additionalProperties: true };
}

export function outputContract(action: AnyAction): JsonSchema {
  const schema = tidy(z.toJSONSchema(action.output, { io: 'output', target: 'draft-4' }) as JsonSchema);
  return { ...schema, title: `${action.name} output` };
}

const SUCCESS_RESPONSE = { translationMap: {}, translationMapDefaults: {}, successTemplate: '${rawResult}' };

function genesysDefinition(action: AnyAction, request: Record<string, unknown>): Record<string, unknown> {
  return {
    name: action.name,
    actionType: 'custom',
    secure: false,
    config: { request, response: SUCCESS_RESPONSE },
    contract: { input: { inputSchema: inputContract(action) }, output: { successSchema: outputContract(action) } },
  };
}

/** For the Genesys Cloud "AWS Lambda data actions" integration: Genesys invokes the function directly. */
export function genesysLambdaDefinition(action: AnyAction): Record<string, unknown> {
  return genesysDefinition(action, {
    requestUrlTemplate: PLACEHOLDERS.lambdaArn(action.name),
    requestType: 'POST',
    headers: {},
    requestTemplate: '${input.rawRequest}',
  });
}

/** For a Genesys Cloud "Web Services data actions" integration whose User Defined credential holds the API key as `apiKey`. */
export function genesysWebServicesDefinition(action: AnyAction): Record<string, unknown> {
  return genesysDefinition(action, {
    requestUrlTemplate: PLACEHOLDERS.httpUrl(action.name),
    requestType: 'POST',
    headers: { Authorization: 'Bearer $!{credentials.apiKey}', 'Content-Type': 'application/json' },
    requestTemplate: '${input.rawRequest}',
  });
}

/** For a CXone Studio REST API action (Studio reads at most 32 KB of the response). */
export function cxoneStudioSnippet(action: AnyAction, sampleInput: unknown): Record<string, unknown> {
  return {
    action: action.name,
    description: action.description,
    url: PLACEHOLDERS.httpUrl(action.name),
    method: 'POST',
    headers: { Authorization: 'Bearer {apiKey}', 'Content-Type': 'application/json' },
    sampleBody: sampleInput,
    outputContract: outputContract(action),
    notes:
      'Keep the API key in an Integration Hub connection or a secure Studio variable (apiKey), never in the script. ' +
      'Build the body with a DYNAMIC object and {body.asjson()}; the response is flat JSON under 32 KB.',
  };
}
