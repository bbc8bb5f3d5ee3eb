import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS } from '../../lib/actions';
import { PROJECT_ROOT } from '../../tools/codegen/actionFolders';
import { generatedFiles, staleGeneratedFiles } from '../../tools/codegen/generatedFiles';
import { scaffoldFiles } from '../../tools/codegen/scaffold';
import { connectionOf } from '../../tools/codegen/connections';
import type { AnyAction } from '../../lib/runtime/action';
import { SANDBOX_HTTP_KEYS } from '../../tools/sandbox/sandbox';

/**
 * Everything per-action outside the action folders is generated (`npm run generate`): the
 * registries, the direct-invoke handlers, deploy/actions.json (serverless.yml includes it)
 * and the contracts. A file on disk that differs is stale, and the test names the command.
 */

const STALE = 'is stale: run `npm run generate`';

describe('generated files', () => {
  const files = generatedFiles();

  it.each(files.map((file) => [file.path, file] as const))('%s is what `npm run generate` writes today', (path, file) => {
    let onDisk: string;
    try {
      onDisk = readFileSync(join(PROJECT_ROOT, path), 'utf8');
    } catch {
      throw new Error(`${path} is missing: run \`npm run generate\``);
    }

    if (onDisk !== file.content) throw new Error(`${path} ${STALE}`);
  });

  it('leaves no handler or contract of an action that no longer exists', () => {
    expect(staleGeneratedFiles(files)).toStrictEqual([]);
  });

  it('covers every action in the registry: a handler, a function, its production doctor, a role and three import files each', () => {
    const paths = files.map((file) => file.path);
    const deploy = JSON.parse(files.find((file) => file.path === 'deploy/actions.json')!.content) as { functions: Record<string, unknown>; resources: { Resources: Record<string, unknown> } };

    for (const { name } of ACTIONS) {
      expect(paths).toEqual(expect.arrayContaining([`handlers/${name}.ts`, `handlers/${name}Doctor.ts`, `contracts/${name}.genesys-lambda.json`, `contracts/${name}.genesys-webservices.json`, `contracts/${name}.cxone-studio.json`]));
      expect(deploy.functions[name]).toMatchObject({ handler: `handlers/${name}.handler` });
      expect(deploy.functions[`${name}Doctor`]).toMatchObject({ handler: `handlers/${name}Doctor.handler` });
      expect(deploy.resources.Resources[`${name[0]!.toUpperCase()}${name.slice(1)}Role`]).toBeDefined();
    }
    expect(Object.keys(deploy.functions).sort()).toStrictEqual([...ACTIONS.flatMap(({ name }) => [name, `${name}Doctor`]), 'http'].sort());
  });

  it("writes each action's HTTPS front event, events/http-<name>.json, from its first sample event", () => {
    for (const { name } of ACTIONS) {
      const event = JSON.parse(files.find((file) => file.path === `events/http-${name}.json`)!.content) as { rawPath: string; body: string; headers: Record<string, string>; version: string };
      const sample = readFileSync(join(PROJECT_ROOT, 'events', `${name}.json`), 'utf8');

      expect(event).toMatchObject({ version: '2.0', rawPath: `/actions/${name}`, headers: { authorization: `Bearer ${SANDBOX_HTTP_KEYS.apiKeys[0]}`, 'content-type': 'application/json' } });
      expect(JSON.parse(event.body)).toStrictEqual(JSON.parse(sample));
    }
  });
});

describe('connections (tools/codegen/connections.ts)', () => {
  const probe = (platform: AnyAction['platform'], connection?: string) => ({ ...ACTIONS[0]!, name: 'probe', platform, connection }) as AnyAction;

  it("a named connection's settings are params of its own, prefixed with its name, each with a default", () => {
    expect(connectionOf(probe('genesys-cloud', 'emea'))).toStrictEqual({
      name: 'emea',
      secretParam: 'emeaSecretId',
      secretReference: "${param:emeaSecretId, 'data-action-bridge/emea'}",
      env: { AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: "${param:emeaGenesysRegion, 'mypurecloud.com'}" },
    });
    expect(connectionOf(probe('nice-cxone', 'eu')).env).toStrictEqual({
      AUTH_PLATFORM: 'nice-cxone',
      CXONE_ISSUER: "${param:euCxoneIssuer, 'https://cxone.niceincontact.com'}",
      CXONE_TENANT_ID: "${param:euCxoneTenantId, ''}",
      CLIENT_AUTH_METHOD: "${param:euCxoneClientAuthMethod, 'client_secret_basic'}",
    });
  });

  it("without one, the platform's shared params, as serverless.yml declares them", () => {
    expect(connectionOf(probe(undefined))).toMatchObject({ secretReference: '${param:secretId}', env: { AUTH_PLATFORM: '${param:authPlatform}', TOKEN_URL: '${param:tokenUrl}' } });
  });

  it('refuses a connection name that cannot prefix a param', () => {
    expect(() => connectionOf(probe(undefined, 'Orders-EU'))).toThrow(/connection Orders-EU must be camelCase/);
  });
});

describe('npm run contracts for a deployed stage', () => {
  it('writes contracts/<stage>/, which git ignores: one deployment\'s account ids and URLs are not committed', () => {
    const ignored = execFileSync('git', ['check-ignore', 'contracts/prod/customerLookup.genesys-lambda.json'], { cwd: PROJECT_ROOT, encoding: 'utf8' });

    expect(ignored.trim()).toBe('contracts/prod/customerLookup.genesys-lambda.json');
  });
});

describe('npm run new-action (its files, by path from the project root)', () => {
  it('writes the code into lib/actions/<name>/ and the sample events into events/, as the Serverless convention has them', () => {
    expect(Object.keys(scaffoldFiles('orderStatus')).sort()).toStrictEqual([
      'events/orderStatus-badinput.json',
      'events/orderStatus-notfound.json',
      'events/orderStatus.json',
      'lib/actions/orderStatus/action.ts',
      'lib/actions/orderStatus/standIn.ts',
      'lib/actions/orderStatus/transform.test.ts',
    ]);
  });

  it('names the input property as --input says, in the declaration, its test and the sample events (a "-" too)', () => {
    const files = scaffoldFiles('orderStatus', undefined, { input: 'order-id' });

    expect(files['lib/actions/orderStatus/action.ts']).toContain("    'order-id': z\n      .string({ error: (issue) => (issue.input === undefined ? 'order-id is required'");
    expect(files['lib/actions/orderStatus/action.ts']).toContain("query: { id: input['order-id'] }");
    expect(files['lib/actions/orderStatus/transform.test.ts']).toContain("input.safeParse({ 'order-id': '  ' })");
    expect(JSON.parse(files['events/orderStatus.json']!)).toStrictEqual({ 'order-id': 'sample-1' });
    expect(JSON.parse(files['events/orderStatus-badinput.json']!)).toStrictEqual({ 'order-id': '   ' });
  });

  it.each(['rawRequest', 'orgId', 'integrationId', 'order id', '1st'])('refuses --input %j, citing the contract rule and its help page', (input) => {
    expect(() => scaffoldFiles('orderStatus', undefined, { input })).toThrow(
      /^--input .*(reserved name \(orgId, integrationId, rawRequest\): Genesys would overwrite it|must start with a letter and use only letters, digits, - and _) \(Genesys Cloud help "Add contracts to custom actions for integrations", help\.mypurecloud\.com\/\?p=141876\)$/,
    );
  });
});
