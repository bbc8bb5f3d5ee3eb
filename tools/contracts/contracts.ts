import * as z from 'zod';
import type { AnyAction } from '../../lib/runtime/action';
import { GENESYS_DATA_ACTION_MAX_TIMEOUT_SECONDS, GENESYS_INVOKE_ROUND_TRIP_SECONDS } from '../../lib/base/constants';

/**
 * Data action contracts generated from an action's declaration (docs/design.md §8):
 * - a Genesys Cloud data action definition for the AWS Lambda data actions integration,
 *   ready to import: input and output contracts as JSON Schema (draft-04, as Genesys
 *   contracts are written), the Lambda ARN as request URL template, `${input.rawRequest}` as
 *   request template and `${rawResult}` as success template;
 * - the same for a Genesys Cloud Web Services data action calling the HTTP front;
 * - a CXone Studio REST action snippet for the HTTP front: URL, method, headers, sample body.
 */

type JsonSchema = Record<string, unknown>;

export const SERVICE_NAME = 'data-action-bridge';

/** Where a deployed stack's functions and HTTPS front are: what the import files point at. */
export interface DeployTarget {
  lambdaArn(name: string): string;
  httpUrl(name: string): string;
}

/** Placeholders for the committed files; they are not valid values on purpose. */
export const PLACEHOLDERS: DeployTarget = {
  lambdaArn: (name) => `arn:aws:lambda:<REGION>:<ACCOUNT_ID>:function:${SERVICE_NAME}-<STAGE>-${name}`,
  httpUrl: (name) => `https://<API_ID>.execute-api.<REGION>.amazonaws.com/actions/${name}`,
};

/**
 * Genesys Cloud runs a data action for at most `config.timeoutSeconds` (1–60 s, 60 when unset;
 * GENESYS_DATA_ACTION_MAX_TIMEOUT_SECONDS). *Assumption* (an inference, research-17 §1: no
 * Genesys text says when the timer starts): it starts when Genesys invokes the function, so a
 * cold start's INIT counts too. The bridge answers a cold invocation within the action's
 * timeout counted from process start (lib/runtime/invocation.ts), so the definition allows that
 * timeout plus GENESYS_INVOKE_ROUND_TRIP_SECONDS for the invoke itself. An action without a
 * timeout gets Genesys's ceiling, which is also its value when none is set.
 */
export function dataActionTimeoutSeconds(action: AnyAction): number {
  if (action.timeoutMs === undefined) return GENESYS_DATA_ACTION_MAX_TIMEOUT_SECONDS;
  return Math.min(GENESYS_DATA_ACTION_MAX_TIMEOUT_SECONDS, Math.ceil(action.timeoutMs / 1000) + GENESYS_INVOKE_ROUND_TRIP_SECONDS);
}

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * Drops what a data action contract should not carry: zod's safe-integer bounds, and
 * patterns, because the bridge trims and validates input itself and says what is wrong in
 * words a flow author can act on, where the platform would only say the contract failed.
 * Output contracts may nest objects (lib/runtime/contractRules.ts), so it reaches every level:
 * properties, array items and the alternatives zod writes for nullable values.
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
    } else if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      result[key] = (value as JsonSchema[]).map(tidy);
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

/**
 * A data action export as Genesys Cloud writes and imports it: the shape of the exports in
 * GenesysCloudBlueprints/scheduling-bot-blueprint (exports/CreateBookingDataAction.json,
 * integrationType aws-lambda-data-actions) and workautomation-hubspot-ticketing-sample
 * (exports/*.json, custom-rest-actions): name, integrationType, actionType, config
 * {request, response}, contract {input.inputSchema, output.successSchema}, secure.
 */
function genesysDefinition(action: AnyAction, integrationType: string, request: Record<string, unknown>): Record<string, unknown> {
  return {
    name: action.name,
    integrationType,
    actionType: 'custom',
    config: { request, response: SUCCESS_RESPONSE, timeoutSeconds: dataActionTimeoutSeconds(action) },
    contract: { input: { inputSchema: inputContract(action) }, output: { successSchema: outputContract(action) } },
    secure: false,
  };
}

/**
 * For the Genesys Cloud "AWS Lambda data actions" integration: Genesys invokes the function
 * directly; its ARN is the request URL template (as in the scheduling-bot blueprint's Terraform,
 * `request_url_template = var.lambda_function_arn`).
 */
export function genesysLambdaDefinition(action: AnyAction, target: DeployTarget = PLACEHOLDERS): Record<string, unknown> {
  return genesysDefinition(action, 'aws-lambda-data-actions', {
    requestUrlTemplate: target.lambdaArn(action.name),
    requestType: 'POST',
    headers: {},
    requestTemplate: '${input.rawRequest}',
  });
}

/**
 * Web Services data actions send their requests with `Transfer-Encoding: chunked` unless told
 * otherwise: Genesys's "Add configuration to custom actions for integrations"
 * (help.mypurecloud.com/?p=141921): "If your web service does not support Transfer-Encoding
 * set to chunked, add Transfer-Encoding: buffered under headers." *Assumption:* whether API
 * Gateway HTTP APIs accept chunked request bodies is NOT CONFIRMED (no AWS page says either
 * way, research-17 §3), so the definition asks for a buffered body, which any HTTP server reads.
 */
export const GENESYS_BUFFERED_REQUEST_HEADER = { 'Transfer-Encoding': 'buffered' } as const;

/** For a Genesys Cloud "Web Services data actions" integration whose User Defined credential holds the API key as `apiKey`. */
export function genesysWebServicesDefinition(action: AnyAction, target: DeployTarget = PLACEHOLDERS): Record<string, unknown> {
  return genesysDefinition(action, 'custom-rest-actions', {
    requestUrlTemplate: target.httpUrl(action.name),
    requestType: 'POST',
    headers: { Authorization: 'Bearer $!{credentials.apiKey}', 'Content-Type': 'application/json', ...GENESYS_BUFFERED_REQUEST_HEADER },
    requestTemplate: '${input.rawRequest}',
  });
}

/**
 * For a CXone Studio REST API action. NICE's REST API action page for CXone Studio
 * (STUDIO_REST_ACTION_PAGE): "Action handler will automatically try two times if a failure
 * message is received before returning the response" (up to two attempts), "The value cannot
 * be more than 90 seconds", "The maximum response size is 32 KB", JSON only; its default
 * Content-Type is form encoding (older page), so the script sets application/json itself.
 */
export const STUDIO_REST_ACTION_PAGE = 'help.nice-incontact.com/content/studio/actionscx/rest_api/rest_api.htm';

export function cxoneStudioSnippet(action: AnyAction, sampleInput: unknown, target: DeployTarget = PLACEHOLDERS): Record<string, unknown> {
  return {
    action: action.name,
    description: action.description,
    url: target.httpUrl(action.name),
    method: 'POST',
    headers: { Authorization: 'Bearer {apiKey}', 'Content-Type': 'application/json' },
    sampleBody: sampleInput,
    outputContract: outputContract(action),
    notes:
      'Keep the API key in an Integration Hub connection or a secure Studio variable (apiKey), never in the script. ' +
      'Build the body with a DYNAMIC object and {body.asjson()}; set Content-Type: application/json in Headers (Studio sends form encoding otherwise). ' +
      `Set the action's timeout to ${dataActionTimeoutSeconds(action) * 1000} ms (Studio allows at most 90,000). Studio makes up to two attempts at a failed call ("try two times", ${STUDIO_REST_ACTION_PAGE}), so an action that changes data must tolerate a repeat. The response is flat JSON under 32 KB.`,
  };
}
