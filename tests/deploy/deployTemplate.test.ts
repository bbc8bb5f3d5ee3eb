import { ACTIONS } from '../../lib/actions';
import { PRODUCTION_DOCTOR_TIMEOUT_SECONDS } from '../../lib/base/constants';
import { SANDBOX_CLIENT, SANDBOX_CXONE_ACCESS_KEY, SANDBOX_CXONE_CLIENT, SANDBOX_GENESYS_CLIENT, SANDBOX_HTTP_KEYS } from '../../tools/sandbox/sandbox';
import { schemaErrorsOf } from '../support/cfnValidate';
import { PACKAGE_TIMEOUT_MS, evaluateConditions, packageService, resolveIfs, type PackagedService } from '../support/packaging';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const CheckParams = require('../../deploy/checkParams') as new (serverless: unknown) => { check(): void };

/**
 * The CloudFormation template `serverless package` writes (no AWS call): the Genesys Cloud
 * AWS Lambda Data Actions role (trust, external id, invoke scope), the stack outputs the
 * import files are written from, the HTTPS front's volume protection, and private networks.
 */

const ORG_ID = '8f0c7a6e-1d2b-4c3d-9e8f-0a1b2c3d4e5f';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:contact-centre-ops';
const DIRECT_INVOKE = ACTIONS.map(({ name }) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`);

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
interface Deploy {
  packaged: PackagedService;
  conditions: Record<string, boolean>;
  resource(logicalId: string): Resource;
  outputs: Record<string, { Condition?: string; Value: unknown }>;
}

function deployOf(packaged: PackagedService): Deploy {
  const conditions = evaluateConditions(packaged.template);
  const resources = resolveIfs(packaged.template.Resources, conditions) as Record<string, Resource>;
  return {
    packaged,
    conditions,
    resource: (logicalId) => resources[logicalId]!,
    outputs: packaged.template.Outputs as Deploy['outputs'],
  };
}

let commercial: Deploy;
let fedRamp: Deploy;
let withoutOrg: Deploy;
let sovereign: Deploy;
const SOVEREIGN_ACCOUNT = '111122223333';
const ALLOWED_CIDRS = '203.0.113.0/24,2001:db8::/32';
const SUBNETS = 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788';
const SECURITY_GROUPS = 'sg-0a1b2c3d4e5f60718';
const VPC = { vpcSubnetIds: SUBNETS, vpcSecurityGroupIds: SECURITY_GROUPS };
const VPC_ID = 'vpc-0a1b2c3d4e5f60718';
const EGRESS_PROXY = 'http://proxy.internal.example:3128';
const NO_PROXY = '.internal.example,169.254.169.254';

const ofType = (deploy: Deploy, type: string) => Object.keys(deploy.packaged.template.Resources as object).filter((logicalId) => deploy.resource(logicalId).Type === type);

beforeAll(async () => {
  const [a, b, c, d] = await Promise.all([
    packageService({ genesysOrgId: ORG_ID, alarmTopicArn: TOPIC }),
    // Every optional part on, the secretsmanager endpoint included.
    packageService({
      genesysOrgId: ORG_ID,
      genesysRegion: 'use2.us-gov-pure.cloud',
      httpThrottleRateLimit: '7',
      httpThrottleBurstLimit: '9',
      httpReservedConcurrency: '3',
      httpAllowedSourceCidrs: ALLOWED_CIDRS,
      ...VPC,
      secretsManagerEndpoint: 'true',
      vpcId: VPC_ID,
      clientCertAlarmDays: '30',
      httpsProxy: EGRESS_PROXY,
      noProxy: NO_PROXY,
    }),
    packageService(),
    // With an integrator's second API: an action on a connection of its own, as new-action makes it; in a VPC without the endpoint.
    packageService({ genesysOrgId: ORG_ID, genesysRegion: 'edee1.eusc-pure.cloud', genesysAccountId: SOVEREIGN_ACCOUNT, ordersTokenUrl: 'https://login.orders.example/oauth2/token', ...VPC }, ['orderStatus', '--connection', 'orders']),
  ]);
  [commercial, fedRamp, withoutOrg, sovereign] = [deployOf(a), deployOf(b), deployOf(c), deployOf(d)];
}, PACKAGE_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await Promise.all([commercial, fedRamp, withoutOrg, sovereign].map((deploy) => deploy?.packaged.remove()));
});

const ALL = () => ({ commercial, fedRamp, withoutOrg, sovereign });

describe('the Genesys Cloud AWS Lambda Data Actions role', () => {
  it("trusts Genesys Cloud's commercial account with the organization id as external id", () => {
    const role = commercial.resource('GenesysDataActionsRole');

    expect(commercial.conditions.HasGenesysOrgId).toBe(true);
    expect(role.Properties.AssumeRolePolicyDocument).toStrictEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Sub': ['arn:${AWS::Partition}:iam::${GenesysAccount}:root', { GenesysAccount: '765628985471' }] } },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': ORG_ID } },
        },
      ],
    });
  });

  it("trusts the FedRAMP account 325654371633 when the region is use2.us-gov-pure.cloud", () => {
    const trust = fedRamp.resource('GenesysDataActionsRole').Properties.AssumeRolePolicyDocument as { Statement: Array<{ Principal: unknown }> };

    expect(trust.Statement[0]!.Principal).toStrictEqual({ AWS: { 'Fn::Sub': ['arn:${AWS::Partition}:iam::${GenesysAccount}:root', { GenesysAccount: '325654371633' }] } });
  });

  it('for edee1.eusc-pure.cloud, whose account Genesys does not publish: packaging without genesysAccountId fails naming the param', async () => {
    await expect(packageService({ genesysOrgId: ORG_ID, genesysRegion: 'edee1.eusc-pure.cloud' })).rejects.toMatchObject({
      stdout: expect.stringMatching(/genesysRegion edee1\.eusc-pure\.cloud: Genesys Cloud's AWS account .* is not published .*--param genesysAccountId=/),
    });
  });

  it('for edee1.eusc-pure.cloud with genesysAccountId: trusts that account', () => {
    const trust = sovereign.resource('GenesysDataActionsRole').Properties.AssumeRolePolicyDocument as { Statement: Array<{ Principal: unknown }> };

    expect(trust.Statement[0]!.Principal).toStrictEqual({ AWS: { 'Fn::Sub': ['arn:${AWS::Partition}:iam::${GenesysAccount}:root', { GenesysAccount: SOVEREIGN_ACCOUNT }] } });
  });

  it('may invoke the direct-invoke functions and nothing else: not the HTTPS front', () => {
    const policies = commercial.resource('GenesysDataActionsRole').Properties.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>;

    expect(policies.flatMap((policy) => policy.PolicyDocument.Statement)).toStrictEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: DIRECT_INVOKE.map((logicalId) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] })) },
    ]);
    expect(commercial.resource('GenesysDataActionsRole').Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('is not created, nor its output, without genesysOrgId', () => {
    expect(withoutOrg.conditions.HasGenesysOrgId).toBe(false);
    expect(withoutOrg.resource('GenesysDataActionsRole').Condition).toBe('HasGenesysOrgId');
    expect(withoutOrg.outputs.GenesysDataActionsRoleArn!.Condition).toBe('HasGenesysOrgId');
  });
});

describe("each action's production doctor (<action>Doctor, issue 18)", () => {
  type Fn = { Properties: { Role: unknown; Environment: { Variables: Record<string, string> }; Timeout: number } };
  const fn = (logicalId: string) => commercial.resource(logicalId) as unknown as Fn;
  const doctorIds = DIRECT_INVOKE.map((logicalId) => logicalId.replace(/LambdaFunction$/, 'DoctorLambdaFunction'));

  it("shares its action's role and environment, with a longer timeout", () => {
    for (const [action, doctor] of DIRECT_INVOKE.map((logicalId, index) => [logicalId, doctorIds[index]!] as const)) {
      expect(fn(doctor).Properties.Role).toStrictEqual(fn(action).Properties.Role);
      expect(fn(doctor).Properties.Environment).toStrictEqual(fn(action).Properties.Environment);
      expect(fn(doctor).Properties.Timeout).toBe(PRODUCTION_DOCTOR_TIMEOUT_SECONDS);
    }
  });

  it('has no event: no HTTP API route or invoke permission reaches it', () => {
    const template = commercial.packaged.template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const reaching = Object.entries(template).filter(([, resource]) => ['AWS::Lambda::Permission', 'AWS::ApiGatewayV2::Integration'].includes(resource.Type) && JSON.stringify(resource.Properties).includes('Doctor'));

    expect(reaching).toStrictEqual([]);
  });

  it('is not in the Genesys Cloud invoke role, which lists the action functions only', () => {
    const policies = commercial.resource('GenesysDataActionsRole').Properties.Policies as Array<{ PolicyDocument: { Statement: Array<{ Resource: unknown }> } }>;

    expect(JSON.stringify(policies)).not.toContain('Doctor');
  });

  it("lets the shared role write the doctor's logs and describe the action's own secret", () => {
    const policies = commercial.resource('CustomerLookupRole').Properties.Policies as Array<{ PolicyDocument?: { Statement: Array<{ Action: unknown; Resource: unknown }> } }>;
    // Without the VPC params, the network-interface policy is AWS::NoValue, which CloudFormation leaves out.
    const statements = policies.flatMap((policy) => policy.PolicyDocument?.Statement ?? []);

    expect(JSON.stringify(statements[0]!.Resource)).toContain('-customerLookupDoctor:*');
    expect(statements.slice(1)).toStrictEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:data-action-bridge/oauth-??????' }] },
      { Effect: 'Allow', Action: 'secretsmanager:DescribeSecret', Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:data-action-bridge/oauth-??????' }] },
    ]);
  });

  it('has its ARN as a stack output, <Name>DoctorFunctionArn', () => {
    for (const doctor of doctorIds) {
      expect(commercial.outputs[doctor.replace(/LambdaFunction$/, 'FunctionArn')]).toMatchObject({ Value: { 'Fn::GetAtt': [doctor, 'Arn'] } });
    }
  });
});

describe('partitions: the stack deploys in aws, aws-cn, aws-us-gov and aws-eusc alike', () => {
  it.each(Object.keys(ALL()))('%s: every ARN the template writes names ${AWS::Partition}, and no host is spelled with a partition\'s DNS suffix', (name) => {
    // The alarm topic is an ARN the deployer passes (alarmTopicArn), in the partition they deploy to.
    const templateText = ALL()[name as keyof ReturnType<typeof ALL>].packaged.templateText.replaceAll(TOPIC, '');

    expect(templateText.match(/arn:aws[a-z-]*:/g) ?? []).toStrictEqual([]);
    // Service principals (lambda.amazonaws.com, apigateway.amazonaws.com) are the same in every partition; hosts are not.
    expect(templateText.replace(/"(lambda|apigateway)\.amazonaws\.com"/g, '').match(/amazonaws\.com/g) ?? []).toStrictEqual([]);
  });
});

describe('the bundle', () => {
  it("is built for the deploy runtime: esbuild's target is node22 for nodejs22.x", () => {
    const state = JSON.parse(withoutOrg.packaged.otherTexts.find((file) => file.name === 'serverless-state.json')!.text) as {
      service: { provider: { runtime: string }; custom: { esbuild: { target: string } } };
    };

    expect(state.service.provider.runtime).toBe('nodejs22.x');
    expect(state.service.custom.esbuild.target).toBe(`node${/^nodejs(\d+)\.x$/.exec(state.service.provider.runtime)![1]}`);
  });
});

describe("an action on a connection of its own (npm run new-action -- orderStatus --connection orders)", () => {
  type Fn = { Properties: { Environment: { Variables: Record<string, string> }; Role: unknown } };
  const secretsOf = (role: Resource) =>
    (role.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } }>)
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .filter((statement) => statement.Action === 'secretsmanager:GetSecretValue')
      .flatMap((statement) => (statement.Resource as Array<{ 'Fn::Sub': string }>).map((resource) => /secret:(.*)-\?{6}$/.exec(resource['Fn::Sub'])![1]));

  it('gets params of its own, each with a default: the given token URL, its own secret name, empty scope and API base', () => {
    const variables = (sovereign.resource('OrderStatusLambdaFunction') as unknown as Fn).Properties.Environment.Variables;

    expect(variables).toMatchObject({
      SECRET_ID: 'data-action-bridge/orders',
      AUTH_PLATFORM: 'oauth2',
      TOKEN_URL: 'https://login.orders.example/oauth2/token',
      OAUTH_SCOPE: '',
      CLIENT_AUTH_METHOD: 'client_secret_basic',
      UPSTREAM_BASE_URL: '',
    });
    // customerLookup keeps the shared params.
    expect((sovereign.resource('CustomerLookupLambdaFunction') as unknown as Fn).Properties.Environment.Variables).toMatchObject({ SECRET_ID: 'data-action-bridge/oauth', TOKEN_URL: '' });
  });

  it("may read its connection's secret only; the HTTPS front reads every connection's", () => {
    expect(secretsOf(sovereign.resource('OrderStatusRole'))).toStrictEqual(['data-action-bridge/orders']);
    expect(secretsOf(sovereign.resource('CustomerLookupRole'))).toStrictEqual(['data-action-bridge/oauth']);
    expect(secretsOf(sovereign.resource('HttpRole'))).toEqual(expect.arrayContaining(['data-action-bridge/orders', 'data-action-bridge/oauth', 'data-action-bridge/http-callers']));
  });
});

describe('stack outputs', () => {
  it("give the role's ARN, every function's ARN and the HTTPS front's URL", () => {
    expect(DIRECT_INVOKE).toEqual(expect.arrayContaining(['CustomerLookupLambdaFunction', 'QueueEstimatedWaitLambdaFunction', 'AgentStateLambdaFunction']));
    expect(commercial.outputs).toMatchObject({
      GenesysDataActionsRoleArn: { Condition: 'HasGenesysOrgId', Value: { 'Fn::GetAtt': ['GenesysDataActionsRole', 'Arn'] } },
      CustomerLookupFunctionArn: { Value: { 'Fn::GetAtt': ['CustomerLookupLambdaFunction', 'Arn'] } },
      QueueEstimatedWaitFunctionArn: { Value: { 'Fn::GetAtt': ['QueueEstimatedWaitLambdaFunction', 'Arn'] } },
      AgentStateFunctionArn: { Value: { 'Fn::GetAtt': ['AgentStateLambdaFunction', 'Arn'] } },
      HttpFunctionArn: { Value: { 'Fn::GetAtt': ['HttpLambdaFunction', 'Arn'] } },
      HttpApiUrl: { Value: expect.anything() },
    });
  });
});

describe('volume protection for the HTTPS front', () => {
  // CXone Studio keeps at most 100 REST requests of a business unit in flight and queues the rest (its REST API action's limits).
  it("throttles the HTTP API stage at 1,000 requests/s, burst 100 by default (Studio's 100 in flight at 0.1 s a call) and keeps its other route settings", () => {
    expect(commercial.resource('HttpApiStage').Properties).toMatchObject({
      StageName: '$default',
      DefaultRouteSettings: { DetailedMetricsEnabled: false, ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 100 },
    });
    expect(fedRamp.resource('HttpApiStage').Properties.DefaultRouteSettings).toStrictEqual({ DetailedMetricsEnabled: false, ThrottlingRateLimit: '7', ThrottlingBurstLimit: '9' });
  });

  it("reserves concurrency for the http function only, 100 by default: Studio's concurrency for one business unit", () => {
    const reserved = (deploy: Deploy, logicalId: string) => deploy.resource(logicalId).Properties.ReservedConcurrentExecutions;

    expect(reserved(commercial, 'HttpLambdaFunction')).toBe(100);
    expect(reserved(fedRamp, 'HttpLambdaFunction')).toBe(3);
    for (const logicalId of DIRECT_INVOKE) expect(reserved(commercial, logicalId)).toBeUndefined();
  });
});

describe('the source address allow list of the HTTPS front', () => {
  const httpVariables = (deploy: Deploy) => (deploy.resource('HttpLambdaFunction').Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  it('reaches the http function as HTTP_ALLOWED_SOURCE_CIDRS, commas and all; empty by default (any address)', () => {
    expect(httpVariables(fedRamp).HTTP_ALLOWED_SOURCE_CIDRS).toBe(ALLOWED_CIDRS);
    expect(httpVariables(commercial).HTTP_ALLOWED_SOURCE_CIDRS).toBe('');
    for (const logicalId of DIRECT_INVOKE) {
      expect((commercial.resource(logicalId).Properties.Environment as { Variables: Record<string, unknown> }).Variables).not.toHaveProperty('HTTP_ALLOWED_SOURCE_CIDRS');
    }
  });
});

describe('alarms and the dashboard (issue 12)', () => {
  const logicalOf = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
  const dimensionsOf = (name: string) => [
    { Name: 'service', Value: 'data-action-bridge' },
    { Name: 'action', Value: name },
  ];

  it.each(ACTIONS.map(({ name }) => name))('%s: error rate over 5 minutes, any TOKEN_INVALID_CLIENT, any CIRCUIT_OPEN, its throttles', (name) => {
    const logical = logicalOf(name);

    expect(commercial.resource(`${logical}ErrorRateAlarm`).Properties).toMatchObject({
      Metrics: [
        { Id: 'errors', MetricStat: { Metric: { Namespace: 'DataActionBridge', MetricName: 'Errors', Dimensions: dimensionsOf(name) }, Stat: 'Sum', Period: 300 } },
        { Id: 'invocations', MetricStat: { Metric: { Namespace: 'DataActionBridge', MetricName: 'Invocations', Dimensions: dimensionsOf(name) }, Stat: 'Sum', Period: 300 } },
        { Id: 'rate', Expression: '100 * errors / invocations', ReturnData: true },
      ],
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    for (const [alarm, metric] of [
      ['InvalidClientAlarm', 'Error_TOKEN_INVALID_CLIENT'],
      ['CircuitOpenAlarm', 'Error_CIRCUIT_OPEN'],
    ]) {
      expect(commercial.resource(`${logical}${alarm}`).Properties).toMatchObject({ Namespace: 'DataActionBridge', MetricName: metric, Dimensions: dimensionsOf(name), Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    expect(commercial.resource(`${logical}ThrottlesAlarm`).Properties).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: [{ Name: 'FunctionName', Value: `data-action-bridge-dev-${name}` }] });
  });

  it.each(ACTIONS.map(({ name }) => name))('%s: its client certificate has fewer than clientCertAlarmDays left (14 by default); no certificate, no alarm', (name) => {
    const expiry = (deploy: Deploy) => deploy.resource(`${logicalOf(name)}ClientCertExpiryAlarm`).Properties;

    expect(expiry(commercial)).toMatchObject({
      Namespace: 'DataActionBridge',
      MetricName: 'ClientCertDaysLeft',
      Dimensions: dimensionsOf(name),
      Statistic: 'Minimum',
      Threshold: 14,
      ComparisonOperator: 'LessThanThreshold',
      // Actions without a certificate write no ClientCertDaysLeft: missing data must not alarm.
      TreatMissingData: 'notBreaching',
    });
    // A --param arrives as text; CloudFormation reads a numeric string as the number.
    expect(expiry(fedRamp).Threshold).toBe('30');
  });

  it('notify the SNS topic given as alarmTopicArn, and nothing without it', () => {
    const alarms = (deploy: Deploy) => Object.keys(deploy.packaged.template.Resources as object).filter((logicalId) => logicalId.endsWith('Alarm'));

    expect(alarms(commercial)).toHaveLength(5 * ACTIONS.length + 1);
    for (const logicalId of alarms(commercial)) expect(commercial.resource(logicalId).Properties).toMatchObject({ AlarmActions: [TOPIC], OKActions: [TOPIC] });
    for (const logicalId of alarms(withoutOrg)) expect(withoutOrg.resource(logicalId).Properties.AlarmActions).toStrictEqual({ Ref: 'AWS::NoValue' });
    expect(commercial.resource('HttpThrottlesAlarm').Properties).toMatchObject({ MetricName: 'Throttles', Dimensions: [{ Name: 'FunctionName', Value: 'data-action-bridge-dev-http' }] });
  });

  it('a dashboard of every action\'s metrics', () => {
    const body = JSON.parse((commercial.resource('Dashboard').Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as { widgets: Array<{ properties: { metrics: unknown[][] } }> };
    const shown = body.widgets.flatMap(({ properties }) => properties.metrics.map((metric) => `${String(metric[5])}:${String(metric[1])}`));

    for (const { name } of ACTIONS) {
      for (const metric of ['Invocations', 'Errors', 'Duration', 'UpstreamLatency', 'TokenRequests', 'SecretFetches', 'TokenCacheHits', 'TokenLimited429s', 'ColdStart', 'Error_TOKEN_INVALID_CLIENT']) {
        expect(shown).toContain(`${name}:${metric}`);
      }
    }
  });

  it('gives every function the metrics namespace', () => {
    for (const logicalId of [...DIRECT_INVOKE, 'HttpLambdaFunction']) {
      expect((commercial.resource(logicalId).Properties.Environment as { Variables: Record<string, unknown> }).Variables.METRICS_NAMESPACE).toBe('DataActionBridge');
    }
  });
});

describe('private networks (vpcSubnetIds, vpcSecurityGroupIds, secretsManagerEndpoint)', () => {
  const NO_VALUE = { Ref: 'AWS::NoValue' };
  const executionRoles = (deploy: Deploy) =>
    ofType(deploy, 'AWS::IAM::Role').filter((logicalId) => JSON.stringify(deploy.resource(logicalId).Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'));
  const policiesOf = (deploy: Deploy, role: string) => (deploy.resource(role).Properties.Policies as unknown[]).filter((policy) => JSON.stringify(policy) !== JSON.stringify(NO_VALUE));
  const ENI_POLICY = {
    PolicyName: 'vpc-network-interfaces',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          Resource: '*',
        },
      ],
    },
  };

  it("with both: every function, each action's (a new-action one too), its production doctor and http, runs in those subnets with those security groups", () => {
    for (const deploy of [fedRamp, sovereign]) {
      const functions = ofType(deploy, 'AWS::Lambda::Function');

      expect(functions).toEqual(expect.arrayContaining([...DIRECT_INVOKE, 'HttpLambdaFunction']));
      for (const logicalId of functions) {
        expect(deploy.resource(logicalId).Properties.VpcConfig).toStrictEqual({ SubnetIds: { 'Fn::Split': [',', SUBNETS] }, SecurityGroupIds: { 'Fn::Split': [',', SECURITY_GROUPS] } });
      }
    }
    expect(ofType(sovereign, 'AWS::Lambda::Function')).toContain('OrderStatusLambdaFunction');
  });

  it('without them: no function has a VpcConfig', () => {
    for (const deploy of [commercial, withoutOrg]) {
      expect(deploy.conditions.HasVpc).toBe(false);
      for (const logicalId of ofType(deploy, 'AWS::Lambda::Function')) expect(deploy.resource(logicalId).Properties.VpcConfig).toStrictEqual(NO_VALUE);
    }
  });

  it("with both: each function's own role may manage network interfaces (AWSLambdaVPCAccessExecutionRole's EC2 actions); without: it may not", () => {
    expect(executionRoles(sovereign)).toEqual(expect.arrayContaining(['CustomerLookupRole', 'QueueEstimatedWaitRole', 'AgentStateRole', 'OrderStatusRole', 'HttpRole']));
    for (const deploy of [fedRamp, sovereign]) {
      for (const role of executionRoles(deploy)) {
        expect(policiesOf(deploy, role)).toHaveLength(2);
        expect(policiesOf(deploy, role)[1]).toStrictEqual(ENI_POLICY);
      }
    }
    for (const deploy of [commercial, withoutOrg]) {
      for (const role of executionRoles(deploy)) {
        expect(policiesOf(deploy, role)).toHaveLength(1);
        expect(JSON.stringify(policiesOf(deploy, role))).not.toContain('ec2:');
      }
    }
  });

  it('with secretsManagerEndpoint=true: a secretsmanager interface endpoint with private DNS in the subnets; otherwise none', () => {
    expect(fedRamp.resource('SecretsManagerEndpoint')).toStrictEqual({
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        VpcEndpointType: 'Interface',
        ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.secretsmanager' },
        VpcId: VPC_ID,
        SubnetIds: { 'Fn::Split': [',', SUBNETS] },
        SecurityGroupIds: { 'Fn::Split': [',', SECURITY_GROUPS] },
        PrivateDnsEnabled: true,
      },
    });
    for (const deploy of [commercial, withoutOrg, sovereign]) expect(ofType(deploy, 'AWS::EC2::VPCEndpoint')).toStrictEqual([]);
  });

  // Through `serverless package`: the params reach deploy/checkParams.js through serverless.yml's custom.deployChecks,
  // and an unknown secretsManagerEndpoint value still reaches it (the endpoint include falls back to nothing).
  it.each([
    ['vpcSubnetIds without vpcSecurityGroupIds', { vpcSubnetIds: SUBNETS }, /vpcSubnetIds and vpcSecurityGroupIds go together: only vpcSubnetIds is set/],
    ['secretsManagerEndpoint=true without vpcId', { ...VPC, secretsManagerEndpoint: 'true' }, /secretsManagerEndpoint=true needs the subnets' VPC: pass --param vpcId=/],
    ['secretsManagerEndpoint neither true nor false', { secretsManagerEndpoint: 'yes' }, /secretsManagerEndpoint must be true or false, not "yes"/],
  ])('refuses to package %s, naming the params', async (_case, params, message) => {
    await expect(packageService(params)).rejects.toMatchObject({ stdout: expect.stringMatching(message) });
  }, 60_000);

  // The plugin's other rules, on the values serverless.yml hands it (no packaging: the wiring is proven above).
  it.each([
    ['vpcSecurityGroupIds without vpcSubnetIds', { vpcSecurityGroupIds: SECURITY_GROUPS }, /vpcSubnetIds and vpcSecurityGroupIds go together: only vpcSecurityGroupIds is set/],
    ['secretsManagerEndpoint=true without the VPC params', { secretsManagerEndpoint: 'true', vpcId: VPC_ID }, /secretsManagerEndpoint=true creates the endpoint in the functions' subnets: pass --param vpcSubnetIds=.* and --param vpcSecurityGroupIds=/],
  ])('refuses %s, naming the params', (_case, deployChecks, message) => {
    const plugin = new CheckParams({ service: { custom: { deployChecks } }, classes: { Error } });

    expect(() => plugin.check()).toThrow(message);
  });
});

describe('egress proxy (httpsProxy, noProxy)', () => {
  it('every function, the production doctors and http included, gets HTTPS_PROXY and NO_PROXY; empty by default (no proxy)', () => {
    for (const [deploy, proxy, noProxy] of [[fedRamp, EGRESS_PROXY, NO_PROXY], [commercial, '', '']] as const) {
      const functions = ofType(deploy, 'AWS::Lambda::Function');
      expect(functions).toEqual(expect.arrayContaining([...DIRECT_INVOKE, 'HttpLambdaFunction', 'CustomerLookupDoctorLambdaFunction']));
      for (const logicalId of functions) {
        expect(deploy.resource(logicalId).Properties.Environment).toMatchObject({ Variables: { HTTPS_PROXY: proxy, NO_PROXY: noProxy } });
      }
    }
  });

  it('refuses an httpsProxy that is not an http:// URL, without repeating it', () => {
    for (const httpsProxy of ['https://user:Pass-9f8e@proxy.example:3128', 'proxy.example:3128']) {
      const plugin = new CheckParams({ service: { custom: { deployChecks: { httpsProxy } } }, classes: { Error } });
      expect(() => plugin.check()).toThrow(/^httpsProxy must be an http:\/\/ proxy URL .*the value is not shown/);
      expect(() => plugin.check()).not.toThrow(/Pass-9f8e|proxy\.example:3128/);
    }
    expect(() => new CheckParams({ service: { custom: { deployChecks: { httpsProxy: EGRESS_PROXY } } }, classes: { Error } }).check()).not.toThrow();
  });
});

describe('the template against the CloudFormation resource schemas (aws-cdk-lib CfnInclude validation)', () => {
  it('has no schema error with every optional part on (Genesys role, alarm topic, FedRAMP, VPC and secretsmanager endpoint)', () => {
    expect(schemaErrorsOf(commercial.packaged.template)).toStrictEqual([]);
    expect(schemaErrorsOf(fedRamp.packaged.template)).toStrictEqual([]);
  }, 60_000);

  it('has no schema error without the VPC params, nor with them and no endpoint', () => {
    expect(schemaErrorsOf(withoutOrg.packaged.template)).toStrictEqual([]);
    expect(schemaErrorsOf(sovereign.packaged.template)).toStrictEqual([]);
  }, 60_000);

  it('finds a property the schema does not have (so a clean run means something)', () => {
    const broken = JSON.parse(commercial.packaged.templateText) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    broken.Resources.Dashboard!.Properties.Widgets = [];

    expect(schemaErrorsOf(broken)).toEqual([expect.objectContaining({ rule: 'F3002', resource: 'Dashboard', description: expect.stringContaining('Widgets') })]);
  }, 60_000);
});

it('holds no secret value: only secret names', () => {
  const values = [
    ...[SANDBOX_CLIENT, SANDBOX_GENESYS_CLIENT, SANDBOX_CXONE_CLIENT].flatMap(({ clientId, clientSecret }) => [clientId, clientSecret]),
    SANDBOX_CXONE_ACCESS_KEY.accessKeySecret,
    ...SANDBOX_HTTP_KEYS.apiKeys,
    ...SANDBOX_HTTP_KEYS.hmacKeys,
  ];

  for (const deploy of [commercial, fedRamp, withoutOrg]) {
    for (const value of values) expect(deploy.packaged.templateText).not.toContain(value);
    expect(deploy.packaged.templateText).not.toMatch(/"(clientSecret|client_secret|accessKeySecret|apiKeys|hmacKeys)"/);
  }
});
