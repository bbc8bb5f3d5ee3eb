import type { AnyAction } from '../../runtime/action';
import { genesysApiBaseUrl } from '../../auth/platforms/genesysCloud';
import { loadConfig, type BridgeConfig } from '../../runtime/config';
import { PRODUCTION_DOCTOR_STEP_BUDGET_MS } from '../../base/constants';
import { createSecretsManagerClient } from '../../runtime/container';
import { whileHeld } from '../../runtime/eventLoopHold';
import { createHttpAgent } from '../../http/httpClient';
import { readProxySettings, type ProxySettings } from '../../http/proxy/proxySettings';
import { buildUrl } from '../../runtime/upstream';
import { runDoctor, type DoctorOptions, type DoctorReport } from '../doctor';
import { Cause, report, step, type Step } from '../findings';
import { probeNetworkPath } from './networkPath';
import { readSecretAsTheRole } from './secretRead';

/**
 * The production doctor (issue 18): the local doctor's diagnosis, run inside the action's
 * companion function (`<action>Doctor`, tools/codegen/doctorFunctions.ts), which shares the
 * action's role and environment. So it reads the secret as the action's role does, resolves
 * and connects over the function's own network, and compares the function's clock. It spends
 * at most one token request, and returns the local doctor's report (same steps, same finding
 * names) with the steps only production can show. Never a secret, a token or a key: values
 * appear as fingerprints, as in the local doctor.
 */

export interface ProductionDoctorEvent {
  /** A sample input of the action: when given, the action's own upstream request is sent once with the token. */
  input?: unknown;
  /** Each network step's budget (default PRODUCTION_DOCTOR_STEP_BUDGET_MS). */
  stepBudgetMs?: number;
}

export interface ProductionDoctorReport extends DoctorReport {
  action: string;
}

const CONFIG_STEP = 'configuration';

function parseEvent(event: unknown): ProductionDoctorEvent {
  const fields = (event ?? {}) as Record<string, unknown>;
  const budget = fields.stepBudgetMs;
  return {
    ...(fields.input !== undefined && { input: fields.input }),
    ...(typeof budget === 'number' && Number.isInteger(budget) && budget > 0 && { stepBudgetMs: budget }),
  };
}

/** The API the action calls: UPSTREAM_BASE_URL, else Genesys Cloud's api.<region>; CXone's is discovered with a token. */
function upstreamBaseOf(config: BridgeConfig): string | undefined {
  if (config.upstreamBaseUrl) return config.upstreamBaseUrl;
  return config.authPlatform === 'genesys-cloud' && config.genesysRegion ? genesysApiBaseUrl(config.genesysRegion) : undefined;
}

/** The action's own request for the operator's sample input, or why none is sent. */
function upstreamRequestOf(action: AnyAction, base: string | undefined, input: unknown): NonNullable<DoctorOptions['upstreamRequest']> {
  if (input === undefined) return { skipReason: 'no sample input (--input): the upstream is checked for reachability only (see its network path)' };
  if (!base) return { skipReason: "the upstream's address is discovered with the token (CXone): not sent" };
  const parsed = action.input.safeParse(input);
  if (!parsed.success) return { skipReason: `the sample input is not valid for ${action.name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')}` };
  const spec = action.request(parsed.data);
  return {
    method: spec.method,
    url: buildUrl(base, spec),
    headers: { ...spec.headers, ...(spec.body !== undefined && { 'content-type': 'application/json' }) },
    ...(spec.body !== undefined && { body: JSON.stringify(spec.body) }),
  };
}

export async function runProductionDoctor(action: AnyAction, env: NodeJS.ProcessEnv, event: ProductionDoctorEvent = {}): Promise<ProductionDoctorReport> {
  const budgetMs = event.stepBudgetMs ?? PRODUCTION_DOCTOR_STEP_BUDGET_MS;
  let config: BridgeConfig;
  let proxy: ProxySettings | undefined;
  try {
    config = loadConfig(env, action.requiredConfig, action.platform, action.timeoutMs);
    proxy = readProxySettings(env);
  } catch (error) {
    const configStep = step(CONFIG_STEP);
    report(configStep, 'fail', Cause.CONFIG_INVALID, (error as Error).message);
    return { action: action.name, steps: [configStep], tokenObtained: false };
  }
  // Every request goes as the function's own would: through its egress proxy, if it has one.
  const client = createSecretsManagerClient(env, proxy);
  let roleRead: Awaited<ReturnType<typeof readSecretAsTheRole>>;
  try {
    roleRead = await readSecretAsTheRole(client, config.secretId, budgetMs);
  } finally {
    client.destroy();
  }
  const base = upstreamBaseOf(config);
  const agent = createHttpAgent({}, proxy);
  try {
    const doctorReport = await runDoctor({
      platform: config.authPlatform,
      authMethod: config.clientAuthMethod,
      timeoutMs: budgetMs,
      cxoneIssuer: config.cxoneIssuer,
      ...(config.tokenUrl && { tokenUrl: config.tokenUrl }),
      ...(config.genesysRegion && { genesysRegion: config.genesysRegion }),
      ...(config.scope && { scope: config.scope }),
      ...(config.tokenExtraParams && { extraParams: config.tokenExtraParams }),
      secret: roleRead.loaded,
      agent,
      singleTokenRequest: true,
      clockOwner: "the function's",
      upstreamRequest: upstreamRequestOf(action, base, event.input),
      beforeTokenRequest: async (tokenUrl: URL, steps: Step[]) => {
        const path = await probeNetworkPath(tokenUrl, 'token endpoint', budgetMs, proxy);
        steps.push(path.step);
        return path.ok;
      },
    });
    const steps = [roleRead.step, ...doctorReport.steps];
    if (base) steps.push((await probeNetworkPath(new URL(base), 'upstream API', budgetMs, proxy)).step);
    return { action: action.name, ...doctorReport, steps };
  } finally {
    await agent.close();
  }
}

/** The companion function's handler (handlers/<action>Doctor.ts): the event loop is held until the report is ready. */
export function createProductionDoctorHandler(action: AnyAction, env: NodeJS.ProcessEnv = process.env): (event: unknown) => Promise<ProductionDoctorReport> {
  return (event) => whileHeld(() => runProductionDoctor(action, env, parseEvent(event)));
}
