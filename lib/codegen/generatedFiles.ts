import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyAction } from '../action';
import { cxoneStudioSnippet, genesysLambdaDefinition, genesysWebServicesDefinition, type DeployTarget, PLACEHOLDERS } from '../contracts';
import { actionFolders, ACTIONS_DIR, PROJECT_ROOT, type ActionFolder } from './actionFolders';
import { deployConfig } from './deployConfig';
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

/** An action's first sample event, the body its CXone snippet shows. */
export function sampleEventOf(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(ACTIONS_DIR, name, 'events', `${name}.json`)) as unknown;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

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
    { path: 'deploy/actions.json', content: json(deployConfig(actions)) },
    ...contractFiles(actions),
  ];
}

/** Generated files on disk that no action produces any more (a removed or renamed action). */
export function staleGeneratedFiles(files: readonly GeneratedFile[]): string[] {
  const expected = new Set(files.map((file) => file.path));
  const handlers = readdirSync(join(PROJECT_ROOT, 'handlers')).filter((file) => file !== 'http.ts').map((file) => `handlers/${file}`);
  const contracts = readdirSync(join(PROJECT_ROOT, 'contracts'), { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => `contracts/${entry.name}`);
  return [...handlers, ...contracts].filter((path) => !expected.has(path));
}
