/**
 * Data action contracts are flat: Genesys Cloud flattens an output contract into Architect
 * variables, and CXone Studio reads a flat JSON object. A property may be a string, number,
 * integer or boolean, or an array of those; never an object or an array of arrays/objects.
 */

type JsonSchema = Record<string, unknown>;

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean']);

function typesOf(schema: JsonSchema): string[] {
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.flatMap(typesOf);
  if ('const' in schema) return [typeof schema.const === 'number' ? 'number' : typeof schema.const];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map((value) => typeof value))];
  const type = schema.type;
  return Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : ['unknown'];
}

function problemOf(schema: JsonSchema): string | undefined {
  for (const type of typesOf(schema)) {
    if (PRIMITIVES.has(type) || type === 'null') continue;
    if (type === 'array') {
      const items = (schema.items ?? {}) as JsonSchema;
      const nested = typesOf(items).find((itemType) => !PRIMITIVES.has(itemType));
      if (nested) return `is an array of ${nested}; only arrays of strings, numbers or booleans are allowed`;
      continue;
    }
    return `is ${type === 'object' ? 'a nested object' : `of type ${type}`}; data action contracts are flat`;
  }
  return undefined;
}

/** Throws when `schema` (JSON Schema of an object) is not a flat data action contract. */
export function assertFlatContract(label: string, schema: JsonSchema): void {
  if (schema.type !== 'object') throw new Error(`${label} must be an object`);
  const problems = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)
    .map(([name, property]) => [name, problemOf(property)] as const)
    .filter(([, problem]) => problem !== undefined)
    .map(([name, problem]) => `${name} ${problem}`);
  if (problems.length > 0) throw new Error(`${label} is not flat: ${problems.join('; ')}`);
}
