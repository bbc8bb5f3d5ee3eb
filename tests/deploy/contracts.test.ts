import Ajv from 'ajv-draft-04';
import * as z from 'zod';
import { defineAction, type AnyAction } from '../../lib/runtime/action';
import { ACTIONS } from '../../lib/actions';
import { cxoneStudioSnippet, genesysLambdaDefinition, genesysWebServicesDefinition, inputContract, outputContract } from '../../tools/contracts/contracts';
import { namedStackTarget, stackOutputsTarget } from '../../tools/contracts/deployTarget';
import realLambdaExport from '../fixtures/genesys-lambda-export.json';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { readSampleEvents } from '../../tools/sandbox/runEvents';
import { openBridge, type Bridge } from '../support/bridge';
import { captureLogs, type CapturedLogs } from '../setup/logs';

/** The generated contracts are what Genesys Cloud validates inputs and outputs against. */
describe('generated data action contracts', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  let logs: CapturedLogs;
  let bridge: Bridge | undefined;

  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
    logs.restore();
  });

  it.each(ACTIONS.map((action) => [action.name, action] as const))('%s: the input contract accepts every sample event the action accepts', async (name, action) => {
    const validate = ajv.compile(inputContract(action));
    const events = (await readSampleEvents()).filter((sample) => sample.functionName === name);
    const accepted = events.filter((sample) => action.input.safeParse(sample.event).success);

    expect(accepted.length).toBeGreaterThan(0);
    for (const sample of accepted) expect([sample.file, validate(sample.event)]).toStrictEqual([sample.file, true]);
  });

  it('output contracts accept the outputs the sandbox produces for every sample event, directly invoked', async () => {
    bridge = await openBridge();
    for (const action of ACTIONS) {
      const validate = ajv.compile(outputContract(action));
      const handler = createDirectHandler(action, bridge.sandbox.env);
      const events = (await readSampleEvents()).filter((sample) => sample.functionName === action.name && action.input.safeParse(sample.event).success);
      for (const sample of events) {
        const output = await handler(sample.event);
        expect([sample.file, validate(output), validate.errors ?? null]).toStrictEqual([sample.file, true, null]);
      }
    }
  });

  it.each(ACTIONS.map((action) => [action.name, action] as const))('%s: the output contract rejects nested arrays and objects', (_name, action) => {
    const validate = ajv.compile(outputContract(action));
    const [firstProperty] = Object.keys((outputContract(action).properties ?? {}) as object);

    expect(validate({ [firstProperty!]: [['nested']] })).toBe(false);
    expect(validate({ [firstProperty!]: { nested: true } })).toBe(false);
  });

  it('defineAction refuses an output contract with a nested array, so such an action fails its own tests', () => {
    const declare = () =>
      defineAction({
        name: 'nestedOrders',
        description: 'not flat',
        input: z.object({ id: z.string() }),
        request: () => ({ method: 'GET', path: '/x' }),
        response: z.unknown(),
        transform: () => ({ orders: [['o-1']] }),
        output: z.object({ orders: z.array(z.array(z.string())) }),
      });

    expect(declare).toThrow('nestedOrders output breaks the data action contract rules: orders[] is an array inside an array; output contracts do not support nested arrays');
  });

  it('an output that nests objects gets a contract that accepts them at every level, without patterns or safe-integer bounds, and rejects a nested array', () => {
    const action = defineAction({
      name: 'nestedCustomer',
      description: 'nested output',
      input: z.object({ id: z.string() }),
      request: () => ({ method: 'GET', path: '/x' }),
      response: z.unknown(),
      transform: () => ({ customer: { id: 'c-1', address: null }, orders: [{ id: 'o-1', count: 2 }] }),
      output: z.object({
        customer: z.object({ id: z.string().regex(/^c-/), address: z.object({ zip: z.string().regex(/^\d+$/) }).nullable() }),
        orders: z.array(z.object({ id: z.string(), count: z.number().int() })),
      }),
    });
    const contract = outputContract(action);
    const validate = ajv.compile(contract);

    expect(JSON.stringify(contract)).not.toMatch(/pattern|9007199254740991/);
    expect(validate({ customer: { id: 'c-1', address: { zip: '12345' } }, orders: [{ id: 'o-1', count: 2 }] })).toBe(true);
    expect(validate({ customer: { id: 'c-1', address: null }, orders: [] })).toBe(true);
    expect(validate({ customer: { id: 'c-1', address: null }, orders: [[{ id: 'o-1', count: 2 }]] })).toBe(false);
    expect(validate({ customer: 'c-1', orders: [] })).toBe(false);
  });

  it('the Genesys Lambda definition invokes the function ARN with the raw input and returns the raw result', () => {
    for (const action of ACTIONS) {
      expect(genesysLambdaDefinition(action)).toMatchObject({
        name: action.name,
        config: {
          request: { requestType: 'POST', requestTemplate: '${input.rawRequest}', requestUrlTemplate: expect.stringMatching(new RegExp(`^arn:aws:lambda:<REGION>:<ACCOUNT_ID>:function:data-action-bridge-<STAGE>-${action.name}$`)) },
          response: { successTemplate: '${rawResult}' },
        },
        contract: { input: { inputSchema: inputContract(action) }, output: { successSchema: outputContract(action) } },
      });
    }
  });

  it('has the shape of a real Genesys Cloud export (integration type, config, contract), plus the action timeout', () => {
    /** Every key path of a JSON value, down to the contract schemas (whose content is the action's own). */
    const shapeOf = (value: unknown, prefix = ''): string[] =>
      value && typeof value === 'object' && !Array.isArray(value) && !/(inputSchema|successSchema|headers)\.$/.test(prefix)
        ? Object.entries(value).flatMap(([key, item]) => [`${prefix}${key}`, ...shapeOf(item, `${prefix}${key}.`)])
        : [];
    const { _source: _ignored, ...real } = realLambdaExport;

    for (const action of ACTIONS) {
      const lambda = genesysLambdaDefinition(action);
      const webServices = genesysWebServicesDefinition(action);
      expect(shapeOf(lambda).sort()).toStrictEqual([...shapeOf(real), 'config.timeoutSeconds'].sort());
      expect(shapeOf(webServices).sort()).toStrictEqual([...shapeOf(real), 'config.timeoutSeconds'].sort());
      expect(lambda).toMatchObject({ integrationType: 'aws-lambda-data-actions', actionType: 'custom' });
      expect(webServices).toMatchObject({ integrationType: 'custom-rest-actions', actionType: 'custom' });
    }
  });

  it.each([
    ['customerLookup', undefined, 60],
    ['queueEstimatedWait', 3_000, 4],
    ['agentState', 3_000, 4],
  ])('%s: config.timeoutSeconds is the action timeout (%s ms) rounded up plus 1 s for the invoke, or Genesys\'s 60 s without one', (name, timeoutMs, seconds) => {
    const action = ACTIONS.find((declared) => declared.name === name)!;
    const timeoutSecondsOf = (declared: AnyAction) => (genesysLambdaDefinition(declared).config as { timeoutSeconds: number }).timeoutSeconds;

    expect(action.timeoutMs).toBe(timeoutMs);
    expect(timeoutSecondsOf(action)).toBe(seconds);
    expect((genesysWebServicesDefinition(action).config as { timeoutSeconds: number }).timeoutSeconds).toBe(seconds);
    expect(timeoutSecondsOf({ ...action, timeoutMs: 2_001 })).toBe(4);
    expect(timeoutSecondsOf({ ...action, timeoutMs: 3_000 })).toBe(4);
    expect(timeoutSecondsOf({ ...action, timeoutMs: 300 })).toBe(2);
    expect(timeoutSecondsOf({ ...action, timeoutMs: 59_000 })).toBe(60);
    expect(timeoutSecondsOf({ ...action, timeoutMs: 59_001 })).toBe(60);
    expect(timeoutSecondsOf({ ...action, timeoutMs: 120_000 })).toBe(60);
    expect(timeoutSecondsOf({ ...action, timeoutMs: undefined })).toBe(60);
  });

  it('writes the real Lambda ARN and HTTPS URL for a stack named by region, account and stage', () => {
    const target = namedStackTarget({ region: 'eu-west-1', accountId: '123456789012', stage: 'prod', httpApiUrl: 'https://a1b2c3.execute-api.eu-west-1.amazonaws.com' });
    const action = ACTIONS[0]!;

    expect(genesysLambdaDefinition(action, target)).toMatchObject({ config: { request: { requestUrlTemplate: `arn:aws:lambda:eu-west-1:123456789012:function:data-action-bridge-prod-${action.name}` } } });
    expect(genesysWebServicesDefinition(action, target)).toMatchObject({ config: { request: { requestUrlTemplate: `https://a1b2c3.execute-api.eu-west-1.amazonaws.com/actions/${action.name}` } } });
    expect(cxoneStudioSnippet(action, {}, target)).toMatchObject({ url: `https://a1b2c3.execute-api.eu-west-1.amazonaws.com/actions/${action.name}` });
    expect(() => namedStackTarget({ region: 'Ireland', accountId: '1234', stage: 'prod' })).toThrow(/--region Ireland is not an AWS region.*--account must be the 12-digit/);
  });

  it.each([
    ['eu-west-1', 'aws', 'amazonaws.com'],
    ['cn-north-1', 'aws-cn', 'amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['eusc-de-east-1', 'aws-eusc', 'amazonaws.eu'],
  ])('without --http-url, fills region %s into the HTTPS URL as into the ARN (partition %s, %s)', (region, partition, suffix) => {
    const target = namedStackTarget({ region, accountId: '123456789012', stage: 'prod' });
    const action = ACTIONS[0]!;

    expect(target.lambdaArn(action.name)).toBe(`arn:${partition}:lambda:${region}:123456789012:function:data-action-bridge-prod-${action.name}`);
    expect(target.httpUrl(action.name)).toBe(`https://<API_ID>.execute-api.${region}.${suffix}/actions/${action.name}`);
  });

  it('refuses a region shaped like one that AWS does not have', () => {
    expect(() => namedStackTarget({ region: 'xx-fake-9', accountId: '123456789012', stage: 'prod' })).toThrow(/--region xx-fake-9 is not a region aws-cdk-lib knows/);
  });

  it("reads the ARNs and the HTTP API URL from the stack's outputs, and names any missing output", () => {
    const names = ACTIONS.map((action) => action.name);
    const outputs = [
      ...names.map((name) => ({ OutputKey: `${name[0]!.toUpperCase()}${name.slice(1)}FunctionArn`, OutputValue: `arn:aws:lambda:us-east-1:111122223333:function:data-action-bridge-dev-${name}` })),
      { OutputKey: 'HttpApiUrl', OutputValue: 'https://xyz.execute-api.us-east-1.amazonaws.com' },
    ];
    const target = stackOutputsTarget(outputs, names);

    expect(target.lambdaArn('agentState')).toBe('arn:aws:lambda:us-east-1:111122223333:function:data-action-bridge-dev-agentState');
    expect(target.httpUrl('agentState')).toBe('https://xyz.execute-api.us-east-1.amazonaws.com/actions/agentState');
    expect(() => stackOutputsTarget(outputs.filter(({ OutputKey }) => OutputKey !== 'CustomerLookupFunctionArn'), names)).toThrow(/lack CustomerLookupFunctionArn/);
  });

  it('the Web Services definition asks Genesys for a buffered body (Transfer-Encoding: buffered), not its default chunked one; the Lambda definition sends no headers', () => {
    for (const action of ACTIONS) {
      const headers = (genesysWebServicesDefinition(action).config as { request: { headers: Record<string, string> } }).request.headers;

      expect(headers).toStrictEqual({ Authorization: 'Bearer $!{credentials.apiKey}', 'Content-Type': 'application/json', 'Transfer-Encoding': 'buffered' });
      expect((genesysLambdaDefinition(action).config as { request: { headers: unknown } }).request.headers).toStrictEqual({});
    }
  });

  it('the CXone snippet says Studio makes up to two attempts at a failed call, citing its REST API action page', () => {
    for (const action of ACTIONS) {
      const { notes } = cxoneStudioSnippet(action, {}) as { notes: string };

      expect(notes).toContain('Studio makes up to two attempts at a failed call ("try two times", help.nice-incontact.com/content/studio/actionscx/rest_api/rest_api.htm)');
      expect(notes).not.toMatch(/twice/);
    }
  });

  it('the Web Services definition and the CXone snippet call POST /actions/{name} with the API key header', () => {
    for (const action of ACTIONS) {
      expect(genesysWebServicesDefinition(action)).toMatchObject({
        config: { request: { requestUrlTemplate: expect.stringMatching(new RegExp(`/actions/${action.name}$`)), headers: { Authorization: 'Bearer $!{credentials.apiKey}' } } },
      });
      expect(cxoneStudioSnippet(action, { sample: true })).toMatchObject({ method: 'POST', url: expect.stringMatching(/\/actions\//), headers: { Authorization: 'Bearer {apiKey}' }, sampleBody: { sample: true } });
    }
  });

});
