import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyAction } from '../../lib/runtime/action';
import { cxoneStudioSnippet, genesysLambdaDefinition, genesysWebServicesDefinition, type DeployTarget, PLACEHOLDERS } from '../contracts/contracts';
import { apiGatewayEvent } from '../sandbox/apiGatewayEvent';
import { SANDBOX_HTTP_KEYS } from '../sandbox/sandbox';
import { actionFolders, ACTIONS_DIR, EVENTS_DIR, PROJECT_ROOT, type ActionFolder } from './actionFolders';
import { deployConfig } from './deployConfig';
import { doctorFunctionName, doctorHandler } from './doctorFunctions';
import { actionsIndex, directHandler, standInsIndex } from './registry';

/**
 * Every file derived from the action folders, by path relative to the project root:
 * `npm run generate` writes them, and a test fails when one on disk differs, naming the
 * command that regenerates it.
 */

export interface GeneratedFile {
  path: string;
  content: string;
}

/** Each folder's declaration, loaded by its own path (not through the generated registry, which may be stale). */
export function loadActions(folders: readonly ActionFolder[] = actionFolders()): AnyAction[] {
  return folders.map(({ name }) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(join(ACTIONS_DIR, name, 'action')) as Record<string, AnyAction | undefined>;
    const action = module[name];
    if (!action || action.name !== name) throw new Error(`lib/actions/${name}/action.ts must export const ${name} = defineAction({ name: '${name}', … })`);
    return action;
  });
}

/** An action's first sample event (events/<name>.json), the body its CXone snippet and its HTTPS front event show. */
export function sampleEventOf(name: string): unknown {
  return JSON.parse(readFileSync(join(EVENTS_DIR, `${name}.json`), 'utf8')) as unknown;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * events/http-<name>.json: the action's first sample event as the `http` function receives it
 * through API Gateway, keyed with the sandbox callers' first API key, as `npm start` calls it
 * (`serverless invoke local -f http -p events/http-<name>.json`).
 */
export function httpEventFile(name: string): GeneratedFile {
  const event = apiGatewayEvent({
    method: 'POST',
    path: `/actions/${name}`,
    headers: { authorization: `Bearer ${SANDBOX_HTTP_KEYS.apiKeys[0]}`, 'content-type': 'application/json' },
    body: JSON.stringify(sampleEventOf(name)),
    requestId: `sample-${name}`,
    userAgent: 'sample-event',
  });
  return { path: `events/http-${name}.json`, content: json(event) };
}

export function contractFiles(actions: readonly AnyAction[], target: DeployTarget = PLACEHOLDERS, dir = 'contracts'): GeneratedFile[] {
  return actions.flatMap((action) => [
    { path: `${dir}/${action.name}.genesys-lambda.json`, content: json(genesysLambdaDefinition(action, target)) },
    { path: `${dir}/${action.name}.genesys-webservices.json`, content: json(genesysWebServicesDefinition(action, target)) },
    { path: `${dir}/${action.name}.cxone-studio.json`, content: json(cxoneStudioSnippet(action, sampleEventOf(action.name), target)) },
  ]);
}

export function generatedFiles(): GeneratedFile[] {
  const folders = actionFolders();
  const actions = loadActions(folders);
  return [
    { path: 'lib/actions/index.ts', content: actionsIndex(folders) },
    { path: 'lib/actions/standIns.ts', content: standInsIndex(folders) },
    ...folders.map(({ name }) => ({ path: `handlers/${name}.ts`, content: directHandler(name) })),
    ...folders.map(({ name }) => ({ path: `handlers/${doctorFunctionName(name)}.ts`, content: doctorHandler(name) })),
    { path: 'deploy/actions.json', content: json(deployConfig(actions)) },
    ...contractFiles(actions),
    ...folders.map(({ name }) => httpEventFile(name)),
  ];
}

/** Generated files on disk that no action produces any more (a removed or renamed action). */
export function staleGeneratedFiles(files: readonly GeneratedFile[]): string[] {
  const expected = new Set(files.map((file) => file.path));
  const handlers = readdirSync(join(PROJECT_ROOT, 'handlers')).filter((file) => file !== 'http.ts').map((file) => `handlers/${file}`);
  const contracts = readdirSync(join(PROJECT_ROOT, 'contracts'), { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => `contracts/${entry.name}`);
  const httpEvents = readdirSync(EVENTS_DIR).filter((file) => file.startsWith('http-')).map((file) => `events/${file}`);
  return [...handlers, ...contracts, ...httpEvents].filter((path) => !expected.has(path));
}
