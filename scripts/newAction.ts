/**
 * `npm run new-action -- <name> [--platform oauth2|genesys-cloud|nice-cxone] [--input <property>] [--connection <name>]`:
 * scaffolds lib/actions/<name>/ (declaration, stand-in, transform test) and events/<name>*.json,
 * whose input is the one property `--input` names (default "id"), then runs `npm run generate`
 * so the registry, handler, deploy configuration and contracts include it. An input name
 * Genesys refuses in a contract is refused here, before any file is written. `--connection
 * orders` gives the action params of its own (ordersSecretId, ordersTokenUrl, …:
 * tools/codegen/connections.ts) instead of its platform's shared ones.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { AUTH_PLATFORMS, type AuthPlatform } from '../lib/auth/platforms/profile';
import { ACTIONS_DIR, PROJECT_ROOT } from '../tools/codegen/actionFolders';
import { ACTION_NAME } from '../lib/runtime/action';
import { CONNECTION_NAME } from '../tools/codegen/connections';
import { DEFAULT_INPUT_NAME, scaffoldFiles, scaffoldInputProblem } from '../tools/codegen/scaffold';
import { runCommand } from './command';

const USAGE = 'usage: npm run new-action -- <camelCaseName> [--platform oauth2|genesys-cloud|nice-cxone] [--input <inputPropertyName>] [--connection <camelCaseName>]';

void runCommand(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { platform: { type: 'string' }, input: { type: 'string', default: DEFAULT_INPUT_NAME }, connection: { type: 'string' } },
  });
  const [name] = positionals;
  const platform = values.platform as AuthPlatform | undefined;
  if (!name || !ACTION_NAME.test(name) || name === 'http') {
    console.error(USAGE);
    return 2;
  }
  if (values.connection !== undefined && !CONNECTION_NAME.test(values.connection)) {
    console.error(`--connection must be camelCase letters and digits: it prefixes the connection's params (${values.connection}SecretId)
${USAGE}`);
    return 2;
  }
  if (platform && !(AUTH_PLATFORMS as readonly string[]).includes(platform)) {
    console.error(`--platform must be one of ${AUTH_PLATFORMS.join(', ')}`);
    return 2;
  }
  const inputProblem = scaffoldInputProblem(values.input);
  if (inputProblem) {
    console.error(inputProblem);
    return 2;
  }
  const folder = join(ACTIONS_DIR, name);
  if (existsSync(folder)) {
    console.error(`lib/actions/${name} exists already`);
    return 1;
  }
  for (const [path, content] of Object.entries(scaffoldFiles(name, platform, { input: values.input, connection: values.connection }))) {
    mkdirSync(dirname(join(PROJECT_ROOT, path)), { recursive: true });
    writeFileSync(join(PROJECT_ROOT, path), content);
    console.log(`wrote ${path}`);
  }
  execFileSync('npx', ['--no', 'tsx', join(PROJECT_ROOT, 'scripts', 'generate.ts')], { stdio: 'inherit', cwd: PROJECT_ROOT });
  console.log(`\nNext: reshape lib/actions/${name}/ and events/${name}*.json to the real API, then npm test, npm start, npx serverless package.`);
  return 0;
});
