import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { ACTIONS } from '../../lib/actions';
import { SERVICE_NAME } from '../contracts/contracts';
import { doctorFunctionName } from '../codegen/doctorFunctions';
import type { ProductionDoctorEvent, ProductionDoctorReport } from '../../lib/doctor/production/productionDoctor';

/**
 * `npm run doctor -- --deployed <action>`: invokes the action's production doctor
 * (`data-action-bridge-<stage>-<action>Doctor`) with the caller's AWS credentials (the SDK's
 * default chain: AWS_PROFILE, SSO, environment, instance role) and returns its report. Tooling
 * only: @aws-sdk/client-lambda is a devDependency, and no Lambda bundle imports this file.
 */

export const DEPLOYED_USAGE = `Usage: npm run doctor -- --deployed ACTION [--stage STAGE] [--region REGION] [--input JSON]
  --deployed ACTION   the action whose production doctor to run: ${ACTIONS.map(({ name }) => name).join(', ')}
  --stage STAGE       the deployed stage (default: dev, as serverless deploy's)
  --region REGION     the AWS region (default: the SDK's, AWS_REGION or the profile's)
  --input JSON        a sample input of the action: its own upstream request is then sent once
                      with the token (without it the upstream is checked for reachability only)
Runs inside the deployed function, with its role, environment and network; at most one token request.`;

export interface DeployedRun {
  functionName: string;
  region: string;
  report: ProductionDoctorReport;
}

/** The CLI's wrong-usage errors: printed with the usage, exit code 2. */
export class DeployedUsageError extends Error {
  override name = 'DeployedUsageError';
}

function parseInput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DeployedUsageError('--input must be the action\'s input as JSON, e.g. \'{"phoneNumber":"+15551234567"}\'');
  }
}

export async function doctorDeployed(argv: string[], env: NodeJS.ProcessEnv): Promise<DeployedRun> {
  const { values } = parseArgs({
    args: argv,
    options: { deployed: { type: 'string' }, stage: { type: 'string', default: 'dev' }, region: { type: 'string' }, input: { type: 'string' } },
  });
  const action = values.deployed ?? '';
  if (!ACTIONS.some(({ name }) => name === action)) throw new DeployedUsageError(`--deployed needs an action: one of ${ACTIONS.map(({ name }) => name).join(', ')}`);
  if (!/^[A-Za-z0-9-]+$/.test(values.stage)) throw new DeployedUsageError(`--stage ${values.stage} is not a stage name`);
  const input = parseInput(values.input);
  const functionName = `${SERVICE_NAME}-${values.stage}-${doctorFunctionName(action)}`;
  // Passed explicitly, as for Secrets Manager (lib/runtime/container.ts): the env given is the one used.
  const client = new LambdaClient({
    ...(values.region && { region: values.region }),
    ...(env.AWS_ENDPOINT_URL_LAMBDA && { endpoint: env.AWS_ENDPOINT_URL_LAMBDA }),
  });
  try {
    const event: ProductionDoctorEvent = input === undefined ? {} : { input };
    let answer;
    try {
      answer = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }));
    } catch (error) {
      const { name, message } = error as Error;
      const hint = name === 'ResourceNotFoundException' ? `: is the stack deployed with its doctor functions (npx serverless deploy --stage ${values.stage}), and is this its region?` : '';
      throw new Error(`could not invoke ${functionName}: ${name}: ${message}${hint}`);
    }
    const payload = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
    if (answer.FunctionError) throw new Error(`${functionName} failed (${answer.FunctionError}): ${payload}`);
    return { functionName, region: await client.config.region(), report: JSON.parse(payload) as ProductionDoctorReport };
  } finally {
    client.destroy();
  }
}
