type Json = Record<string, unknown>;

/**
 * Private networks: with `vpcSubnetIds` and `vpcSecurityGroupIds` (comma-separated), every
 * generated function runs in those subnets, and each generated role may manage the function's
 * network interfaces; with `secretsManagerEndpoint=true` (and `vpcId`), a `secretsmanager`
 * interface endpoint lets the functions reach Secrets Manager without a NAT gateway. Empty
 * params (the default): no VPC, nothing here is created. deploy/checkParams.js refuses one
 * VPC param without the other, and the endpoint without the VPC or `vpcId`.
 *
 * osls's `vpc:` on a function cannot be conditional, so the `VpcConfig` is set on the
 * function resources osls creates, through `resources.extensions` (a shallow merge into
 * their Properties, where osls writes no VpcConfig of its own).
 *
 * The endpoint is not a conditional resource but one serverless.yml includes only for
 * `secretsManagerEndpoint=true`: the schema rules (cfn-lint's, through aws-cdk-lib) check a
 * resource's values whatever its Condition, and without the params its VpcId would be '' and
 * its security groups [''], which are not ids.
 */

const HAS_VPC = 'HasVpc';

const listParam = (name: string) => ({ 'Fn::Split': [',', `\${param:${name}}`] });
const SUBNET_IDS = listParam('vpcSubnetIds');
const SECURITY_GROUP_IDS = listParam('vpcSecurityGroupIds');

const whenVpc = (value: unknown) => ({ 'Fn::If': [HAS_VPC, value, { Ref: 'AWS::NoValue' }] });

export const VPC_CONDITIONS: Json = {
  [HAS_VPC]: {
    'Fn::And': [{ 'Fn::Not': [{ 'Fn::Equals': ['${param:vpcSubnetIds}', ''] }] }, { 'Fn::Not': [{ 'Fn::Equals': ['${param:vpcSecurityGroupIds}', ''] }] }],
  },
};

/**
 * The actions of the AWS managed policy AWSLambdaVPCAccessExecutionRole other than its logs
 * actions (the role already writes its own logs): Lambda creates and manages the function's
 * network interfaces with the execution role's permissions ("Giving Lambda functions access to
 * resources in an Amazon VPC", https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html;
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
 * The managed policy reaches the framework's default role only, not these generated roles.
 * Resource `*` as in the managed policy: the guide says ec2:DescribeNetworkInterfaces works
 * only when allowed on all resources. Inline in the role (not a separate AWS::IAM::Policy)
 * so the permissions exist before CloudFormation creates the function, which needs them then.
 */
const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** One entry of a generated role's `Policies`: present only with the VPC params. */
export const VPC_NETWORK_INTERFACES_POLICY: Json = whenVpc({
  PolicyName: 'vpc-network-interfaces',
  PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: NETWORK_INTERFACE_ACTIONS, Resource: '*' }] },
});

/** `resources.extensions` putting each function (by its osls logical id) in the subnets, when set. */
export function vpcExtensions(functionLogicalIds: readonly string[]): Json {
  const vpcConfig = whenVpc({ SubnetIds: SUBNET_IDS, SecurityGroupIds: SECURITY_GROUP_IDS });
  return Object.fromEntries(functionLogicalIds.map((logicalId) => [logicalId, { Properties: { VpcConfig: vpcConfig } }]));
}

/**
 * The `secretsmanager` interface endpoint, in the functions' subnets and security groups (which
 * must allow HTTPS from the functions to themselves). With private DNS, the SDK's default host
 * `secretsmanager.<region>.amazonaws.com` resolves to the endpoint inside the VPC ("Using an AWS
 * Secrets Manager VPC endpoint", https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html).
 * Service name `com.amazonaws.<region>.secretsmanager` in every partition: aws-cdk-lib's
 * interface endpoint table (aws-ec2/lib/vpc-endpoint.js, getDefaultEndpointPrefix) lists no
 * other prefix for secretsmanager, in the China regions or the EU sovereign cloud.
 */
const SECRETS_MANAGER_ENDPOINT: Json = {
  Type: 'AWS::EC2::VPCEndpoint',
  Properties: {
    VpcEndpointType: 'Interface',
    ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.secretsmanager' },
    VpcId: '${param:vpcId}',
    SubnetIds: SUBNET_IDS,
    SecurityGroupIds: SECURITY_GROUP_IDS,
    PrivateDnsEnabled: true,
  },
};

/** serverless.yml's `resources` item, by the value of `secretsManagerEndpoint` (deploy/checkParams.js allows true and false only). */
export const SECRETS_MANAGER_ENDPOINT_RESOURCES: Json = {
  true: { Resources: { SecretsManagerEndpoint: SECRETS_MANAGER_ENDPOINT } },
  false: {},
};
