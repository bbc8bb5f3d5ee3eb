import type { AnyAction } from '../../lib/runtime/action';
import { PRODUCTION_DOCTOR_TIMEOUT_SECONDS } from '../../lib/base/constants';
import { GENERATED_NOTE } from './registry';

/**
 * The production doctor's packaging (issue 18): one companion function per action,
 * `<action>Doctor`, generated beside the action's own. It shares the action's role (same
 * `role:`), so it reads the secret with exactly the action's permissions, and its environment
 * (and, as the action's, its network settings), so it sees what the action sees. It has no
 * `events`, so the HTTPS front cannot reach it, and the Genesys Cloud invoke role lists the
 * action functions' ARNs only (tools/codegen/genesysInvokeRole.ts), so Genesys cannot invoke it.
 * Only a principal allowed lambda:InvokeFunction on it (an operator's own credentials) can.
 */

type Json = Record<string, unknown>;

/**
 * What an action's role may do with its secret: GetSecretValue for the action, and
 * DescribeSecret, on the same secret only, for its doctor to read the version stages
 * (Secrets Manager API Reference, DescribeSecret: "Required permissions:
 * secretsmanager:DescribeSecret"). It returns no secret value.
 */
export const DOCTOR_SECRET_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] as const;

export const doctorFunctionName = (action: string): string => `${action}Doctor`;

/** handlers/<action>Doctor.ts: the action's declaration and the production doctor, nothing else. */
export function doctorHandler(name: string): string {
  return [
    `// ${GENERATED_NOTE}`,
    `import { ${name} } from '../lib/actions/${name}/action';`,
    "import { createProductionDoctorHandler } from '../lib/doctor/production/productionDoctor';",
    '',
    `export const handler = createProductionDoctorHandler(${name});`,
    '',
  ].join('\n');
}

/** The companion of an action function already in `functions`: its role and environment, its own handler, a longer timeout. */
export function doctorFunction(action: AnyAction, actionFunction: Json): Json {
  return {
    handler: `handlers/${doctorFunctionName(action.name)}.handler`,
    description: `The production doctor of ${action.name}: npm run doctor -- --deployed ${action.name}`,
    role: actionFunction.role,
    environment: actionFunction.environment,
    timeout: PRODUCTION_DOCTOR_TIMEOUT_SECONDS,
  };
}

/** `<Name>DoctorFunctionArn`, where `<Name>LambdaFunction` is how osls names the function's resource. */
export function doctorOutput(action: AnyAction, logicalName: string): [string, Json] {
  return [
    `${logicalName}DoctorFunctionArn`,
    { Description: `the production doctor of ${action.name} (npm run doctor -- --deployed ${action.name})`, Value: { 'Fn::GetAtt': [`${logicalName}DoctorLambdaFunction`, 'Arn'] } },
  ];
}
