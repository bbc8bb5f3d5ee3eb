import { actionEnv, actionEnvPrefix } from '../../lib/runtime/action';

/**
 * The `serverless invoke local` commands that run each deployed function against the running
 * sandbox (`npm run sandbox:serve`). osls sets a function's variables from serverless.yml over
 * the shell's (invoke-local `loadEnvVars`: the function's `environment` is assigned last), so a
 * variable the function's configuration sets (`SECRET_ID: ${param:secretId}`) is given as
 * `--param`, and only variables it does not set come from the shell (`TOKEN_URL=… npx …`). The
 * AWS SDK's variables are exported once for all.
 */

export interface FunctionConfig {
  environment?: Record<string, string>;
}

export interface InvokeLocalCommands {
  /** `export AWS_…=…` lines, shared by every command. */
  exports: string[];
  /** One command per function, by function name. */
  commands: Record<string, string>;
}

/** `${param:name}`, or with a default (`${param:ordersSecretId, 'data-action-bridge/orders'}`, tools/codegen/connections.ts). */
const PARAM = /^\$\{param:(\w+)(?:, '[^']*')?\}$/;
// The AWS SDK's variables are exported; HTTP_* belong to the HTTPS front; prefixed ones to one action each.
const isBridgeVariable = (name: string) => !name.startsWith('AWS_') && !name.startsWith('HTTP_') && !name.includes('__');

/** What one action's function needs set: the action's view of the sandbox env, its own variables only. */
function actionVariables(sandboxEnv: Record<string, string>, actionName: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(actionEnv(sandboxEnv, actionName)).filter((entry): entry is [string, string] => isBridgeVariable(entry[0]) && entry[1] !== undefined),
  );
}

function commandFor(functionName: string, eventFile: string, wanted: Record<string, string>, config: FunctionConfig): string {
  const configured = config.environment ?? {};
  const params = new Map<string, string>();
  const shell: string[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    const setting = configured[name];
    const param = setting === undefined ? undefined : PARAM.exec(setting)?.[1];
    if (param) {
      if (params.has(param) && params.get(param) !== value) throw new Error(`--param ${param} would need two values (${name})`);
      params.set(param, value);
    } else if (setting === undefined) {
      if (value !== '') shell.push(`${name}=${value}`);
    } else if (setting !== value) {
      throw new Error(`${functionName}'s ${name} is fixed to ${setting} in its configuration; the sandbox needs ${value}`);
    }
  }
  const paramArgs = [...params].map(([param, value]) => `--param ${param}=${value}`);
  return [...shell, 'npx serverless invoke local', `-f ${functionName}`, `-p ${eventFile}`, ...paramArgs].join(' ');
}

export function invokeLocalCommands(sandboxEnv: Record<string, string>, functions: Record<string, FunctionConfig>, actionNames: readonly string[]): InvokeLocalCommands {
  const exports = Object.entries(sandboxEnv)
    .filter(([name]) => name.startsWith('AWS_'))
    .map(([name, value]) => `export ${name}=${value}`);
  const commands: Record<string, string> = {};
  const httpWanted: Record<string, string> = { HTTP_AUTH_SECRET_ID: sandboxEnv.HTTP_AUTH_SECRET_ID ?? '' };
  for (const name of actionNames) {
    const wanted = actionVariables(sandboxEnv, name);
    commands[name] = commandFor(name, `events/${name}.json`, wanted, functions[name] ?? {});
    for (const [variable, value] of Object.entries(wanted)) httpWanted[`${actionEnvPrefix(name)}${variable}`] = value;
  }
  if (functions.http && actionNames[0]) commands.http = commandFor('http', `events/http-${actionNames[0]}.json`, httpWanted, functions.http);
  return { exports, commands };
}
