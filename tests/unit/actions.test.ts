import * as z from 'zod';
import { actionEnv, actionEnvPrefix, defineAction, isIdempotent, path, type AnyAction, type HttpMethod } from '../../lib/runtime/action';
import { agentState } from '../../lib/actions/agentState/action';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { queueEstimatedWait } from '../../lib/actions/queueEstimatedWait/action';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { jsonataTransform } from '../../lib/runtime/jsonataTransform';
import { startGenesysApiStandIn, SAMPLE_QUEUE_ID } from '../../lib/actions/queueEstimatedWait/standIn';
import type { Sandbox } from '../../tools/sandbox/sandbox';
import { joinUrl } from '../../lib/base/url';
import type { CapturedLogs } from '../setup/logs';
import { invoke, recordsOf } from '../support/bridge';
import { rescoped, useSandbox } from '../support/sandboxProcess';
import { Servers } from '../support/standIns';

/**
 * The parts every action is declared with: JSONata mappings and their limits, flat contracts,
 * scoped environments, idempotency defaults and encoded paths.
 */

const servers = new Servers();
const hooks = useSandbox(servers);
let logs: CapturedLogs;
let sandbox: Sandbox;
beforeEach(() => {
  ({ sandbox, logs } = hooks.current());
});

describe('JSONata mappings (jsonataTransform)', () => {
  const response = { results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: 10 }] };

  it('gives the expression the response as context and the input as $input', async () => {
    const transform = jsonataTransform<unknown, unknown, unknown>('test', { expression: "{ 'wait': results[0].estimatedWaitTimeSeconds, 'asked': $input.queueId }" });

    // JSONata builds its own objects; equal in value to plain ones.
    await expect(transform(response, { queueId: 'q-1' })).resolves.toEqual({ wait: 10, asked: 'q-1' });
  });

  it('stops runaway recursion at the depth limit with TRANSFORM_FAILED naming the limit', async () => {
    const transform = jsonataTransform('deep', { expression: '( $f := function($x){ 1 + $f($x) }; $f(1) )', maxDepth: 20, timeoutMs: 5_000 });
    const startedAt = Date.now();

    await expect(transform(response, {})).rejects.toMatchObject({
      name: 'OutputError',
      code: 'TRANSFORM_FAILED',
      message: 'TRANSFORM_FAILED: the deep mapping exceeded its depth limit of 20',
    });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('stops a tail-recursive endless loop (which JSONata runs without growing the stack) at the time limit', async () => {
    const transform = jsonataTransform('endless', { expression: '( $f := function($x){ $f($x) }; $f(1) )', maxDepth: 20, timeoutMs: 30 });

    await expect(transform(response, {})).rejects.toMatchObject({
      code: 'TRANSFORM_FAILED',
      message: 'TRANSFORM_FAILED: the endless mapping exceeded its time limit of 30 ms',
    });
  });

  it('stops a long-running expression at the time limit with TRANSFORM_FAILED naming the limit', async () => {
    const transform = jsonataTransform('slow', { expression: '$count([1..5000].($count([1..5000])))', timeoutMs: 20 });
    const startedAt = Date.now();

    await expect(transform(response, {})).rejects.toMatchObject({
      code: 'TRANSFORM_FAILED',
      message: 'TRANSFORM_FAILED: the slow mapping exceeded its time limit of 20 ms',
    });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('throws when the mapping is defined, not when it is first used, on a syntax error', () => {
    expect(() => jsonataTransform('broken', { expression: '( $a := ' })).toThrow();
    expect(() => jsonataTransform('broken', { expression: "{ 'a': results[0 }" })).toThrow();
  });

  it.each([
    ['a negation', '-results[0].intent', 'D1002'],
    ['a number cast', '$number(results[0].intent)', 'D3030'],
  ])('reports a runtime error (%s) by JSONata code and position, never with data values from the response', async (_case, expression, code) => {
    const canary = 'CANARY-7f3e9a1c-data-value';
    const transform = jsonataTransform('leaky', { expression });

    const failure = Promise.resolve(transform({ results: [{ intent: canary }] }, {}));

    await expect(failure).rejects.toMatchObject({ code: 'TRANSFORM_FAILED', message: expect.stringMatching(new RegExp(`^TRANSFORM_FAILED: the leaky mapping failed with JSONata error ${code} at position \\d+$`)) });
    const error = (await failure.catch((thrown: unknown) => thrown)) as Error;
    expect(JSON.stringify(error)).not.toContain(canary);
    expect(error.message).not.toContain(canary);
    expect(error.cause).toBeUndefined();
  });

  it('keeps response data out of the error and the log line when a mapping fails inside an invocation', async () => {
    const canary = 'CANARY-5b1d-intent-from-upstream';
    const genesysApi = servers.track(await startGenesysApiStandIn(sandbox.genesys.tokenEndpoint.isValid, { [SAMPLE_QUEUE_ID]: { results: [{ intent: canary, estimatedWaitTimeSeconds: 5 }] } }));
    const leaky = defineAction({ ...queueEstimatedWait, name: 'leakyWait', transform: jsonataTransform('leakyWait', { expression: "{ 'available': -results[0].intent }" }) });
    const handler = createDirectHandler(leaky, { ...sandbox.env, ...rescoped(sandbox.env, 'queueEstimatedWait', 'leakyWait'), LEAKY_WAIT__UPSTREAM_BASE_URL: genesysApi.url });

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).rejects.toMatchObject({ name: 'OutputError', code: 'TRANSFORM_FAILED', message: expect.not.stringContaining(canary) });

    expect(genesysApi.requests).toBe(1);
    expect(recordsOf(logs.records(), 'invocation')).toStrictEqual([expect.objectContaining({ action: 'leakyWait', code: 'TRANSFORM_FAILED' })]);
    expect(logs.lines.join('\n')).not.toContain(canary);
  });
});

describe('defineAction', () => {
  const flatInput = z.object({ id: z.string(), count: z.number().int().optional(), active: z.boolean().nullable().optional() });
  const flatOutput = z.object({ found: z.boolean(), name: z.string().optional() });
  /** How every refusal ends: the page the rules come from. */
  const RULES_PAGE = /\(Genesys Cloud help "Add contracts to custom actions for integrations", help\.mypurecloud\.com\/\?p=141876\)$/;

  function declare(overrides: Partial<AnyAction>): AnyAction {
    return defineAction({
      name: 'testAction',
      description: 'a test action',
      input: flatInput,
      request: () => ({ method: 'GET', path: '/test' }),
      response: z.unknown(),
      transform: () => ({ found: false }),
      output: flatOutput,
      ...overrides,
    } as AnyAction);
  }

  /** A schema that refers to itself: zod writes it with $ref. */
  function recursive(): z.ZodType {
    const node: z.ZodType = z.object({
      name: z.string(),
      get child() {
        return node.optional();
      },
    });
    return node;
  }

  it('returns a declaration that follows the contract rules as it is', () => {
    const definition = { name: 'testAction', description: 'a test action', input: flatInput, request: () => ({ method: 'GET' as const, path: '/test' }), response: z.unknown(), transform: () => ({ found: false }), output: flatOutput };

    expect(defineAction(definition)).toBe(definition);
  });

  it('allows an output with nested objects (nullable too), arrays of objects and arrays of primitives: Genesys forbids only nested arrays there', () => {
    const output = flatOutput.extend({
      customer: z.object({ id: z.string(), address: z.object({ city: z.string(), zip: z.string().nullable() }) }),
      manager: z.object({ id: z.string() }).nullable().optional(),
      orders: z.array(z.object({ id: z.string(), total: z.number(), shipped: z.boolean() })),
      labels: z.array(z.string()),
      scores: z.array(z.number()).optional(),
      level: z.enum(['gold', 'silver']),
      kind: z.literal('customer'),
      count: z.number().int().nullable(),
    });

    expect(() => declare({ output })).not.toThrow();
  });

  it.each([
    ['an array of arrays', { grid: z.array(z.array(z.string())) }, /grid\[\] is an array inside an array; output contracts do not support nested arrays/],
    ['an array inside an array of objects', { orders: z.array(z.object({ lines: z.array(z.string()) })) }, /orders\[\]\.lines is an array inside an array/],
    ['an array inside a nested object inside an array', { orders: z.array(z.object({ customer: z.object({ tags: z.array(z.string()).optional() }) })) }, /orders\[\]\.customer\.tags is an array inside an array/],
    ['a nested object that refers to itself ($ref)', { tree: recursive() }, /tree uses \$ref, which contracts do not support/],
    ['a record (an object without declared properties)', { attributes: z.record(z.string(), z.string()) }, /attributes is an object without declared properties/],
    ['a value of no declared type', { anything: z.unknown() }, /anything is of type unknown/],
  ])('refuses an output with %s, naming the field and the help page', (_case, shape, message) => {
    expect(() => declare({ output: flatOutput.extend(shape) })).toThrow(new RegExp(`^testAction output breaks the data action contract rules: .*${message.source}.*${RULES_PAGE.source}`));
  });

  it.each([
    ['a nested object', { customer: z.object({ id: z.string() }) }, /customer is object; input properties may only be string, integer, number, boolean or null/],
    ['a nullable nested object', { customer: z.object({ id: z.string() }).nullable() }, /customer is object;/],
    ['a record', { attributes: z.record(z.string(), z.string()) }, /attributes is object;/],
    ['an array of strings', { tags: z.array(z.string()) }, /tags is array; input properties may only be string, integer, number, boolean or null/],
    ['an array of objects', { orders: z.array(z.object({ id: z.string() })) }, /orders is array;/],
    ['a value of no declared type', { anything: z.unknown() }, /anything is unknown;/],
    ['a property that refers to itself ($ref)', { tree: recursive() }, /tree uses \$ref, which contracts do not support/],
  ])('refuses an input with %s, naming the field and the help page', (_case, shape, message) => {
    expect(() => declare({ input: flatInput.extend(shape) })).toThrow(new RegExp(`^testAction input breaks the data action contract rules: .*${message.source}.*${RULES_PAGE.source}`));
  });

  it.each(['orgId', 'integrationId', 'rawRequest'])('refuses the reserved input name %s, which Genesys would overwrite', (name) => {
    expect(() => declare({ input: flatInput.extend({ [name]: z.string() }) })).toThrow(
      new RegExp(`^testAction input breaks the data action contract rules: ${name} is a reserved name \\(orgId, integrationId, rawRequest\\): Genesys would overwrite it ${RULES_PAGE.source}`),
    );
  });

  it.each(['1st', '_id', '-id', 'first name', 'a.b', 'café', 'id\u200B', ''])('refuses the input name %j: a letter first, then letters, digits, - and _', (name) => {
    expect(() => declare({ input: z.object({ [name]: z.string() }) })).toThrow(
      `testAction input breaks the data action contract rules: ${JSON.stringify(name)} must start with a letter and use only letters, digits, - and _`,
    );
  });

  it.each(['a', 'A1', 'order-id', 'order_id', 'orgid', 'rawRequests'])('accepts the input name %j', (name) => {
    expect(() => declare({ input: z.object({ [name]: z.string() }) })).not.toThrow();
  });

  it('names every property that breaks a rule in one message', () => {
    expect(() => declare({ input: z.object({ rawRequest: z.string(), '2nd': z.array(z.string()) }) })).toThrow(
      'testAction input breaks the data action contract rules: rawRequest is a reserved name (orgId, integrationId, rawRequest): Genesys would overwrite it; ' +
        '"2nd" must start with a letter and use only letters, digits, - and _; 2nd is array; input properties may only be string, integer, number, boolean or null ' +
        '(Genesys Cloud help "Add contracts to custom actions for integrations", help.mypurecloud.com/?p=141876)',
    );
  });

  it('refuses an input or output that is not an object', () => {
    expect(() => declare({ output: z.string() })).toThrow('testAction output must be an object');
    expect(() => declare({ input: z.array(z.string()) })).toThrow('testAction input must be an object');
  });

  it.each(['QueueWait', 'queue-wait', 'queue_wait', '1queue', 'queue wait', '', 'quéue'])('refuses the name %j: names are camelCase', (name) => {
    expect(() => declare({ name })).toThrow(`action name ${name} must be camelCase letters and digits`);
  });

  it.each(['queueWait', 'q', 'lookupV2', 'agentState'])('accepts the camelCase name %j', (name) => {
    expect(declare({ name }).name).toBe(name);
  });
});

describe('isIdempotent', () => {
  const action = (idempotent?: boolean) => ({ ...customerLookup, ...(idempotent !== undefined && { idempotent }) }) as AnyAction;

  it.each<[HttpMethod, boolean]>([
    ['GET', true],
    ['POST', false],
    ['PUT', false],
    ['PATCH', false],
    ['DELETE', false],
  ])('defaults %s to %s', (method, expected) => {
    expect(isIdempotent(action(), method)).toBe(expected);
  });

  it('follows the declaration when it says', () => {
    expect(isIdempotent(action(false), 'GET')).toBe(false);
    expect(isIdempotent(action(true), 'POST')).toBe(true);
  });

  it('leaves the sample actions (all GET) retryable', () => {
    expect(isIdempotent(queueEstimatedWait, queueEstimatedWait.request({ queueId: SAMPLE_QUEUE_ID }).method)).toBe(true);
    expect(isIdempotent(agentState, agentState.request({ agentId: '1' }).method)).toBe(true);
  });
});

describe('action-scoped environment (actionEnvPrefix, actionEnv)', () => {
  it.each([
    ['queueEstimatedWait', 'QUEUE_ESTIMATED_WAIT__'],
    ['agentState', 'AGENT_STATE__'],
    ['customerLookup', 'CUSTOMER_LOOKUP__'],
    ['q', 'Q__'],
    ['lookupV2', 'LOOKUP_V2__'],
    ['v2Lookup', 'V2_LOOKUP__'],
  ])('prefixes %s variables with %s', (name, prefix) => {
    expect(actionEnvPrefix(name)).toBe(prefix);
  });

  it("overrides the function's variables with the action's own, and leaves the rest", () => {
    const env = { SECRET_ID: 'shared', TOKEN_URL: 'https://a.example/token', AGENT_STATE__SECRET_ID: 'cxone', AGENT_STATE__TOKEN_URL: '' };

    const scoped = actionEnv(env, 'agentState');

    expect(scoped.SECRET_ID).toBe('cxone');
    // An empty scoped value overrides too; configuration then reads it as unset.
    expect(scoped.TOKEN_URL).toBe('');
    expect(env).toStrictEqual({ SECRET_ID: 'shared', TOKEN_URL: 'https://a.example/token', AGENT_STATE__SECRET_ID: 'cxone', AGENT_STATE__TOKEN_URL: '' });
  });

  it("does not apply another action's variables", () => {
    const env = { SECRET_ID: 'shared', QUEUE_ESTIMATED_WAIT__SECRET_ID: 'genesys', AGENT_STATE__SECRET_ID: 'cxone' };

    expect(actionEnv(env, 'customerLookup').SECRET_ID).toBe('shared');
    expect(actionEnv(env, 'queueEstimatedWait').SECRET_ID).toBe('genesys');
    expect(actionEnv(env, 'agent').SECRET_ID).toBe('shared');
  });
});

describe('path template', () => {
  it.each([
    ['/', 'a/b', 'a%2Fb'],
    ['?', 'a?b=c', 'a%3Fb%3Dc'],
    ['#', 'a#b', 'a%23b'],
    ['space', 'a b', 'a%20b'],
    ['%', '100%', '100%25'],
    ['unicode', 'Zoë 日本', 'Zo%C3%AB%20%E6%97%A5%E6%9C%AC'],
    ['emoji', '☎️', '%E2%98%8E%EF%B8%8F'],
  ])('percent-encodes %s in a value', (_case, value, encoded) => {
    expect(path`/queues/${value}/wait`).toBe(`/queues/${encoded}/wait`);
  });

  it('encodes several values and numbers, and leaves the template text as written', () => {
    expect(path`/a/${'x y'}/b/${42}/c?d=${'e&f'}`).toBe('/a/x%20y/b/42/c?d=e%26f');
    expect(path`/no/values`).toBe('/no/values');
  });

  it('keeps an encoded value in its segment when joined to the API base URL', () => {
    const url = joinUrl('https://api.example.com/base', path`/queues/${'a/../../admin?x=1#y'}/wait`);

    expect(url.pathname).toBe('/base/queues/a%2F..%2F..%2Fadmin%3Fx%3D1%23y/wait');
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
  });

  it.each(['.', '..', ''])('refuses the value %j as a segment: empty, or resolved away by URL parsing (INPUT_INVALID)', (value) => {
    expect(() => path`/api/v2/queues/${value}/wait`).toThrow(
      expect.objectContaining({ name: 'InputError', code: 'INPUT_INVALID', message: expect.stringContaining('path segment may not be empty, "." or ".."') }),
    );
  });

  it.each([
    ['%2e%2e', '/api/v2/queues/%252e%252e/wait'],
    ['.%2E', '/api/v2/queues/.%252E/wait'],
  ])('keeps the already-encoded dots %j in its segment, its %% encoded again', (value, pathname) => {
    expect(joinUrl('https://api.example.com', path`/api/v2/queues/${value}/wait`).pathname).toBe(pathname);
  });
});
