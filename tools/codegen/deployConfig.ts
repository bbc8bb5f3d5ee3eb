import type { AnyAction } from '../../lib/runtime/action';
import { actionEnvPrefix } from '../../lib/runtime/action';
import { METRICS_SERVICE } from '../../lib/base/constants';
import { functionArnOutputKey } from '../contracts/deployTarget';
import { clientCertAlarm } from './certAlarms';
import { connectionOf } from './connections';
import { DOCTOR_SECRET_ACTIONS, doctorFunction, doctorFunctionName, doctorOutput } from './doctorFunctions';
import { GENESYS_REGIONS_WITHOUT_KNOWN_ACCOUNT, genesysDataActionsRole } from './genesysInvokeRole';
import { SECRETS_MANAGER_ENDPOINT_RESOURCES, VPC_CONDITIONS, VPC_NETWORK_INTERFACES_POLICY, vpcExtensions } from './vpc';

/**
 * The per-action part of serverless.yml, generated from the action registry into
 * deploy/actions.json (`npm run generate`) and included by serverless.yml: one function, one
 * role (its own logs, its own secret) and one output per action; the HTTPS front's function,
 * prefixed environment and role; the Genesys Cloud invoke role; the KMS grant's role list.
 * Actions share their connection's `--param`s (tools/codegen/connections.ts).
 */

type Json = Record<string, unknown>;

/** customerLookup → CustomerLookup, as osls names a function's resources (CustomerLookupLambdaFunction). */
export function logicalName(name: string): string {
  return `${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/** Per-token request budgets (empty params: the defaults, 300 a minute on genesys-cloud and a pool of 4). */
const BUDGET_ENV = { TOKEN_RATE_LIMIT_PER_MINUTE: '${param:tokenRateLimitPerMinute}', TOKEN_POOL_SIZE: '${param:tokenPoolSize}' };

function actionEnvironment(action: AnyAction): Record<string, string> {
  const connection = connectionOf(action);
  return { SECRET_ID: connection.secretReference, ...connection.env, ...BUDGET_ENV };
}

/** The EMF metrics of one action (lib/runtime/metrics.ts): namespace param, dimensions service and action. */
function actionMetric(action: AnyAction, name: string): Json {
  return {
    Namespace: '${param:metricsNamespace}',
    MetricName: name,
    Dimensions: [
      { Name: 'service', Value: METRICS_SERVICE },
      { Name: 'action', Value: action.name },
    ],
  };
}

/** Alarms notify the SNS topic given as `alarmTopicArn`, when there is one. */
const ALARM_ACTIONS = { 'Fn::If': ['HasAlarmTopic', ['${param:alarmTopicArn}'], { Ref: 'AWS::NoValue' }] };

function anyAlarm(description: string, metric: Json): Json {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ...metric,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ALARM_ACTIONS,
      OKActions: ALARM_ACTIONS,
    },
  };
}

/**
 * Per action: its error rate (Errors / Invocations over 5 minutes, both fronts), any
 * TOKEN_INVALID_CLIENT (the classic rotated-or-dirty secret), any CIRCUIT_OPEN, its
 * function's Lambda throttles, and a client certificate near its expiry.
 */
function actionAlarms(action: AnyAction): Json {
  const name = logicalName(action.name);
  const errorRate = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: `${action.name}: more than \${param:alarmErrorRatePercent} % of invocations failed over 5 minutes`,
      Metrics: [
        { Id: 'errors', MetricStat: { Metric: actionMetric(action, 'Errors'), Period: 300, Stat: 'Sum' }, ReturnData: false },
        { Id: 'invocations', MetricStat: { Metric: actionMetric(action, 'Invocations'), Period: 300, Stat: 'Sum' }, ReturnData: false },
        { Id: 'rate', Expression: '100 * errors / invocations', Label: 'error rate (%)', ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: '${param:alarmErrorRatePercent}',
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ALARM_ACTIONS,
      OKActions: ALARM_ACTIONS,
    },
  };
  return {
    [`${name}ErrorRateAlarm`]: errorRate,
    [`${name}InvalidClientAlarm`]: anyAlarm(`${action.name}: TOKEN_INVALID_CLIENT, the client id or secret was refused (rotated or dirty secret; run npm run doctor)`, actionMetric(action, 'Error_TOKEN_INVALID_CLIENT')),
    [`${name}CircuitOpenAlarm`]: anyAlarm(`${action.name}: CIRCUIT_OPEN, a dependency failed repeatedly and calls to it are paused`, actionMetric(action, 'Error_CIRCUIT_OPEN')),
    [`${name}ThrottlesAlarm`]: throttlesAlarm(action.name),
    [`${name}ClientCertExpiryAlarm`]: clientCertAlarm(action.name, actionMetric(action, 'ClientCertDaysLeft'), ALARM_ACTIONS),
  };
}

function throttlesAlarm(functionName: string): Json {
  return anyAlarm(`${functionName}: Lambda throttled invocations (concurrency exhausted)`, {
    Namespace: 'AWS/Lambda',
    MetricName: 'Throttles',
    Dimensions: [{ Name: 'FunctionName', Value: `\${self:service}-\${sls:stage}-${functionName}` }],
  });
}

/** One dashboard: per action, outcomes, latency, token and secret work, per-token 429s and cold starts. */
function dashboard(actions: readonly AnyAction[]): Json {
  const metric = (action: AnyAction, name: string, options: Json = {}) => ['${param:metricsNamespace}', name, 'service', METRICS_SERVICE, 'action', action.name, options];
  const widget = (title: string, metrics: unknown[], stat: string, index: number) => ({
    type: 'metric',
    x: (index % 2) * 12,
    y: Math.floor(index / 2) * 6,
    width: 12,
    height: 6,
    properties: { title, metrics, stat, period: 300, region: '${AWS::Region}', view: 'timeSeries' },
  });
  const widgets = [
    widget('Invocations and errors', actions.flatMap((action) => [metric(action, 'Invocations', { label: `${action.name} invocations` }), metric(action, 'Errors', { label: `${action.name} errors` })]), 'Sum', 0),
    widget('Duration and upstream latency (p99)', actions.flatMap((action) => [metric(action, 'Duration', { label: `${action.name} duration` }), metric(action, 'UpstreamLatency', { label: `${action.name} upstream` })]), 'p99', 1),
    widget('Token requests, secret fetches, token cache hits', actions.flatMap((action) => ['TokenRequests', 'SecretFetches', 'TokenCacheHits'].map((name) => metric(action, name, { label: `${action.name} ${name}` }))), 'Sum', 2),
    widget('Per-token 429s, cold starts, invalid client, circuit open', actions.flatMap((action) => ['TokenLimited429s', 'ColdStart', 'Error_TOKEN_INVALID_CLIENT', 'Error_CIRCUIT_OPEN'].map((name) => metric(action, name, { label: `${action.name} ${name}` }))), 'Sum', 3),
  ];
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: { DashboardName: '${self:service}-${sls:stage}', DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) } },
  };
}

/** `-??????` matches the six random characters Secrets Manager appends to a secret's ARN. */
function secretArn(secretReference: string): Json {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretReference}-??????` };
}

function writeOwnLogs(functionNames: readonly string[]): Json {
  const logGroup = (functionName: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/\${self:service}-\${sls:stage}-${functionName}:*` });
  return {
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: functionNames.length === 1 ? logGroup(functionNames[0]!) : functionNames.map(logGroup),
  };
}

const LAMBDA_TRUST: Json = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/**
 * Least privilege: a role that may write its functions' own logs and read its own secrets,
 * and manage its network interfaces in a VPC (tools/codegen/vpc.ts), nothing else.
 * `secretActions`: GetSecretValue, and for an action's role, which its production doctor
 * shares, DescribeSecret on the same secret (tools/codegen/doctorFunctions.ts).
 */
function functionRole(functionNames: readonly string[], secretReferences: readonly string[], secretActions: readonly string[] = ['secretsmanager:GetSecretValue']): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: LAMBDA_TRUST,
      Policies: [
        {
          PolicyName: secretReferences.length > 1 ? 'logs-and-secrets' : 'logs-and-secret',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [writeOwnLogs(functionNames), ...secretActions.map((secretAction) => ({ Effect: 'Allow', Action: secretAction, Resource: secretReferences.map(secretArn) }))],
          },
        },
        VPC_NETWORK_INTERFACES_POLICY,
      ],
    },
  };
}

export function deployConfig(actions: readonly AnyAction[]): Json {
  const functions: Json = {};
  const resources: Json = {};
  const outputs: Json = {};
  for (const action of actions) {
    const name = logicalName(action.name);
    functions[action.name] = {
      handler: `handlers/${action.name}.handler`,
      description: action.description.slice(0, 256),
      role: `${name}Role`,
      environment: actionEnvironment(action),
    };
    functions[doctorFunctionName(action.name)] = doctorFunction(action, functions[action.name] as Json);
    resources[`${name}Role`] = functionRole([action.name, doctorFunctionName(action.name)], [connectionOf(action).secretReference], DOCTOR_SECRET_ACTIONS);
    Object.assign(resources, actionAlarms(action));
    // The key `npm run contracts -- --stack-outputs` reads back (tools/contracts/deployTarget.ts).
    outputs[functionArnOutputKey(action.name)] = { Description: `${action.name}'s ARN, the request URL of its Genesys Cloud Lambda data action`, Value: { 'Fn::GetAtt': [`${name}LambdaFunction`, 'Arn'] } };
    const [doctorOutputKey, doctorArn] = doctorOutput(action, name);
    outputs[doctorOutputKey] = doctorArn;
  }
  const httpEnvironment: Record<string, string> = {
    HTTP_AUTH_SECRET_ID: '${param:httpAuthSecretId}',
    HTTP_ALLOWED_SOURCE_CIDRS: '${param:httpAllowedSourceCidrs}',
    MAX_OUTPUT_BYTES: '32768',
  };
  for (const action of actions) {
    for (const [variable, value] of Object.entries(actionEnvironment(action))) httpEnvironment[`${actionEnvPrefix(action.name)}${variable}`] = value;
  }
  functions.http = {
    handler: 'handlers/http.handler',
    description: 'POST /actions/{name} for every action, callers authenticated by API key or HMAC',
    role: 'HttpRole',
    // A flood of (unauthenticated) requests cannot take the account concurrency the direct-invoke functions share.
    reservedConcurrency: '${param:httpReservedConcurrency}',
    events: [{ httpApi: { method: 'POST', path: '/actions/{name}' } }],
    environment: httpEnvironment,
  };
  const secretReferences = [...new Set(actions.map((action) => connectionOf(action).secretReference)), '${param:httpAuthSecretId}'];
  resources.HttpRole = functionRole(['http'], secretReferences);
  resources.HttpThrottlesAlarm = throttlesAlarm('http');
  resources.Dashboard = dashboard(actions);
  resources.GenesysDataActionsRole = genesysDataActionsRole(actions.map((action) => ({ 'Fn::GetAtt': [`${logicalName(action.name)}LambdaFunction`, 'Arn'] })));
  // With a customer-managed key: decrypt with that one key, and only through Secrets Manager.
  resources.SecretsKmsDecryptPolicy = {
    Type: 'AWS::IAM::Policy',
    Condition: 'HasSecretsKmsKey',
    Properties: {
      PolicyName: '${self:service}-${sls:stage}-secrets-kms-decrypt',
      Roles: [...actions.map((action) => ({ Ref: `${logicalName(action.name)}Role` })), { Ref: 'HttpRole' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: '${param:secretsKmsKeyArn}',
            // ${AWS::URLSuffix}: amazonaws.com, amazonaws.com.cn in aws-cn, amazonaws.eu in aws-eusc.
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.${AWS::URLSuffix}' } } },
          },
        ],
      },
    },
  };
  outputs.HttpFunctionArn = { Description: "the HTTPS front's ARN", Value: { 'Fn::GetAtt': ['HttpLambdaFunction', 'Arn'] } };
  outputs.GenesysDataActionsRoleArn = {
    Condition: 'HasGenesysOrgId',
    Description: 'the Role ARN credential of the Genesys Cloud AWS Lambda Data Actions integration',
    Value: { 'Fn::GetAtt': ['GenesysDataActionsRole', 'Arn'] },
  };
  // Each production doctor runs in its action's network (issue 18): the same subnets and security groups.
  const functionLogicalIds = [...actions.flatMap((action) => [action.name, doctorFunctionName(action.name)].map((fn) => `${logicalName(fn)}LambdaFunction`)), 'HttpLambdaFunction'];
  return {
    functions,
    resources: { Resources: resources, Outputs: outputs, Conditions: VPC_CONDITIONS, extensions: vpcExtensions(functionLogicalIds) },
    secretsManagerEndpoint: SECRETS_MANAGER_ENDPOINT_RESOURCES,
    // Read by deploy/checkParams.js, which refuses to package an invoke role for these regions without genesysAccountId.
    genesysRegionsWithoutKnownAccount: GENESYS_REGIONS_WITHOUT_KNOWN_ACCOUNT,
  };
}
