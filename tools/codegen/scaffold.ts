import type { AuthPlatform } from '../../lib/auth/platforms/profile';
import { CONTRACT_RULES_PAGE, inputNameProblem } from '../../lib/runtime/contractRules';

/**
 * What `npm run new-action -- <name>` writes, by path from the project root: a working "look
 * a record up by id" action in lib/actions/<name>/ (declaration, its loopback stand-in and a
 * test of its transform) and its sample events in events/, which the integrator then reshapes
 * to the real API. It runs end to end as
 * written: `npm start`, `npm test` and `serverless package` include it at once.
 * `input` names the input property that carries the id (`--input`, default "id"); it must be
 * a name Genesys accepts in an input contract (lib/runtime/contractRules.ts).
 */

export const DEFAULT_INPUT_NAME = 'id';

/** customerLookup → customer-lookup: the stand-in's resource path. */
function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `key` as an object key and as a property access in generated code: input names may hold "-". */
function keyCode(key: string): { literal: string; access: string } {
  const identifier = /^[A-Za-z_$][\w$]*$/.test(key);
  return { literal: identifier ? key : `'${key}'`, access: identifier ? `.${key}` : `['${key}']` };
}

/** Why `input` cannot name the action's input property, citing the rule's page; undefined when it can. */
export function scaffoldInputProblem(input: string): string | undefined {
  const problem = inputNameProblem(input);
  return problem && `--input ${problem} (${CONTRACT_RULES_PAGE})`;
}

export interface ScaffoldOptions {
  /** The action's one input property (default "id"). */
  input?: string;
  /** Its connection (tools/codegen/connections.ts); none: the platform's shared one. */
  connection?: string;
}

export function scaffoldFiles(name: string, platform?: AuthPlatform, { input = DEFAULT_INPUT_NAME, connection }: ScaffoldOptions = {}): Record<string, string> {
  const inputProblem = scaffoldInputProblem(input);
  if (inputProblem) throw new Error(inputProblem);
  const key = keyCode(input);
  const resource = `/${kebab(name)}`;
  const declarationOptions = `${platform ? `\n  platform: '${platform}',` : ''}${connection ? `\n  connection: '${connection}',` : ''}`;
  const folder = `lib/actions/${name}/`;
  return {
    [`${folder}action.ts`]: `import * as z from 'zod';
import { defineAction } from '../../runtime/action';

/**
 * ${name}: looks a record up by id and answers flat fields for a data action.
 * Upstream: \`GET {API base}${resource}?id=<id>\` answering \`{ "items": [{ "id", "status", "updatedAt" }] }\`.
 * Reshape Input, the request, Response, the transform and Output to the real API; the
 * stand-in (standIn.ts), the sample events (events/${name}*.json) and transform.test.ts follow it.
 */

const Input = z.object(
  {
    ${key.literal}: z
      .string({ error: (issue) => (issue.input === undefined ? '${input} is required' : '${input} must be a string') })
      .trim()
      .min(1, '${input} is required')
      // Ids are plain tokens: anything else (spaces, invisible or bidi characters) is refused before any request.
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, '${input} must be 1 to 64 letters, digits or . _ : -'),
  },
  { error: 'input must be a JSON object like {"${input}": "…"}' },
);

const Item = z.object({ id: z.string(), status: z.string().nullish(), updatedAt: z.string().nullish() });
const Response = z.object({ items: z.array(Item) });

const Output = z.object({
  found: z.boolean(),
  id: z.string().optional(),
  status: z.string().optional(),
  updatedAt: z.string().optional(),
});

type Output = z.infer<typeof Output>;

/** The first item, flat; \`{ found: false }\` when there is none. Missing (null) fields are left out. */
export function summarise${name[0]!.toUpperCase()}${name.slice(1)}(response: z.infer<typeof Response>): Output {
  const [item] = response.items;
  if (!item) return { found: false };
  return { found: true, id: item.id, ...(item.status && { status: item.status }), ...(item.updatedAt && { updatedAt: item.updatedAt }) };
}

export const ${name} = defineAction({
  name: '${name}',
  description: 'Looks a record up by id: found, status and when it last changed.',${declarationOptions}
  input: Input,
  request: (input: z.infer<typeof Input>) => ({ method: 'GET', path: '${resource}', query: { id: input${key.access} } }),
  response: Response,
  transform: summarise${name[0]!.toUpperCase()}${name.slice(1)},
  output: Output,
  timeoutMs: 3_000,
});
`,
    [`${folder}standIn.ts`]: `import { defineStandIn, type ActionStandIn, type ApiRoute } from '../../../tools/standIns/apiStandIn';
import { json } from '../../../tools/standIns/loopbackServer';

/** ${name}'s loopback stand-in, in the upstream's shape: \`GET ${resource}?id=<id>\` → \`{ "items": [...] }\`. */

export const SAMPLE_ITEMS: Record<string, unknown[]> = {
  'sample-1': [{ id: 'sample-1', status: 'shipped', updatedAt: '2026-11-02T08:30:00Z' }],
};

export function ${name}Route(items: Record<string, unknown[]> = SAMPLE_ITEMS): ApiRoute {
  return ({ method, url }) => {
    if (url.pathname !== '${resource}') return undefined;
    if (method !== 'GET') return json(404, { message: 'no such route' });
    return json(200, { items: items[url.searchParams.get('id') ?? ''] ?? [] });
  };
}

export const standIn: ActionStandIn = defineStandIn(SAMPLE_ITEMS, ${name}Route);
`,
    [`${folder}transform.test.ts`]: `import { ${name}, summarise${name[0]!.toUpperCase()}${name.slice(1)} } from './action';

describe('${name} transform', () => {
  it('answers the first item, flat', () => {
    expect(summarise${name[0]!.toUpperCase()}${name.slice(1)}({ items: [{ id: 'sample-1', status: 'shipped', updatedAt: '2026-11-02T08:30:00Z' }, { id: 'other' }] })).toStrictEqual({
      found: true,
      id: 'sample-1',
      status: 'shipped',
      updatedAt: '2026-11-02T08:30:00Z',
    });
  });

  it('leaves out fields the upstream gives as null', () => {
    expect(summarise${name[0]!.toUpperCase()}${name.slice(1)}({ items: [{ id: 'sample-1', status: null, updatedAt: null }] })).toStrictEqual({ found: true, id: 'sample-1' });
  });

  it('answers exactly { found: false } when nothing matches', () => {
    expect(summarise${name[0]!.toUpperCase()}${name.slice(1)}({ items: [] })).toStrictEqual({ found: false });
  });

  it('refuses input without ${input}, before any request', () => {
    expect(${name}.input.safeParse({ ${key.literal}: '  ' }).success).toBe(false);
    expect(${name}.request(${name}.input.parse({ ${key.literal}: ' sample-1 ' }))).toStrictEqual({ method: 'GET', path: '${resource}', query: { id: 'sample-1' } });
  });
});
`,
    [`events/${name}.json`]: `${JSON.stringify({ [input]: 'sample-1' }, null, 2)}\n`,
    [`events/${name}-notfound.json`]: `${JSON.stringify({ [input]: 'no-such-record' }, null, 2)}\n`,
    [`events/${name}-badinput.json`]: `${JSON.stringify({ [input]: '   ' }, null, 2)}\n`,
  };
}
