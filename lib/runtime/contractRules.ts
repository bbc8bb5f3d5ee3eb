/**
 * The rules Genesys Cloud sets for data action contracts, from its help page "Add contracts
 * to custom actions for integrations" (CONTRACT_RULES_PAGE; research-17 §2):
 * - "Contracts do not support the $ref keyword."
 * - Input: "The top-level item in the schema can only be an object. Object properties can be
 *   strings, numbers, integers, Booleans, or null." "The input contract does not support
 *   nested objects." Property names "must start with a letter (a-z, A-Z) and only contain
 *   letters, numbers (0-9), hyphens (-), or underscores (_). Do not use the reserved terms
 *   orgId, integrationId, and rawRequest".
 * - Output: "The output contract does not support nested arrays." Nested objects and arrays
 *   of objects are allowed. *Assumption:* the page does not say so in words; the input section
 *   forbids nested objects and the output section does not. We read "nested array" as an
 *   array anywhere inside an array, through objects too.
 * The bridge adds one rule of its own: every property has a type, and an object names its
 * properties (a record of any keys gives a flow nothing it can map).
 * CXone Studio reads the same output JSON (docs/actions.md, "Contracts").
 */

type JsonSchema = Record<string, unknown>;

export const CONTRACT_RULES_PAGE = 'Genesys Cloud help "Add contracts to custom actions for integrations", help.mypurecloud.com/?p=141876';

const INPUT_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'null']);
const INPUT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const RESERVED_INPUT_NAMES: readonly string[] = ['orgId', 'integrationId', 'rawRequest'];

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'number' ? 'number' : typeof value;
}

/** The JSON types a (sub)schema admits, alternatives (anyOf/oneOf) included. */
function typesOf(schema: JsonSchema): string[] {
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.flatMap(typesOf);
  if ('const' in schema) return [typeOfValue(schema.const)];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(typeOfValue))];
  const type = schema.type;
  return Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : ['unknown'];
}

/** Why `name` cannot be an input property, or undefined when it can. */
export function inputNameProblem(name: string): string | undefined {
  if (RESERVED_INPUT_NAMES.includes(name)) return `${name} is a reserved name (${RESERVED_INPUT_NAMES.join(', ')}): Genesys would overwrite it`;
  if (!INPUT_NAME.test(name)) return `${JSON.stringify(name)} must start with a letter and use only letters, digits, - and _`;
  return undefined;
}

function refProblem(path: string, schema: JsonSchema): string | undefined {
  return '$ref' in schema ? `${path} uses $ref, which contracts do not support` : undefined;
}

function inputPropertyProblems(name: string, schema: JsonSchema): string[] {
  const ref = refProblem(name, schema);
  if (ref) return [ref];
  const others = [...new Set(typesOf(schema).filter((type) => !INPUT_TYPES.has(type)))];
  const typeProblem = others.length > 0 ? `${name} is ${others.join(' or ')}; input properties may only be string, integer, number, boolean or null` : undefined;
  return [inputNameProblem(name), typeProblem].filter((problem): problem is string => problem !== undefined);
}

function outputProblems(path: string, schema: JsonSchema, insideArray: boolean): string[] {
  const ref = refProblem(path, schema);
  if (ref) return [ref];
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.flatMap((alternative) => outputProblems(path, alternative, insideArray));
  return typesOf(schema).flatMap((type): string[] => {
    if (INPUT_TYPES.has(type)) return [];
    if (type === 'array') {
      if (insideArray) return [`${path} is an array inside an array; output contracts do not support nested arrays`];
      return outputProblems(`${path}[]`, (schema.items ?? {}) as JsonSchema, true);
    }
    if (type === 'object') {
      const properties = schema.properties as Record<string, JsonSchema> | undefined;
      if (!properties || Object.keys(properties).length === 0) return [`${path} is an object without declared properties; a flow can map only the properties a contract names`];
      return Object.entries(properties).flatMap(([name, property]) => outputProblems(`${path}.${name}`, property, insideArray));
    }
    return [`${path} is of type ${type}; every property needs a string, number, integer, boolean, null, object or array type`];
  });
}

function assertContract(label: string, schema: JsonSchema, problemsOf: (name: string, property: JsonSchema) => string[]): void {
  if (schema.type !== 'object') throw new Error(`${label} must be an object (${CONTRACT_RULES_PAGE})`);
  const problems = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).flatMap(([name, property]) => problemsOf(name, property));
  if (problems.length > 0) throw new Error(`${label} breaks the data action contract rules: ${problems.join('; ')} (${CONTRACT_RULES_PAGE})`);
}

/** Throws, naming every offending property and the help page, when `schema` (JSON Schema) is not a valid input contract. */
export function assertInputContract(label: string, schema: JsonSchema): void {
  assertContract(label, schema, inputPropertyProblems);
}

/** Throws, naming every offending property and the help page, when `schema` (JSON Schema) is not a valid output contract. */
export function assertOutputContract(label: string, schema: JsonSchema): void {
  assertContract(label, schema, (name, property) => outputProblems(name, property, false));
}
