import { RegionInfo } from 'aws-cdk-lib/region-info';
import { PLACEHOLDERS, SERVICE_NAME, type DeployTarget } from './contracts';

/**
 * The deployed stack the import files point at (`npm run contracts -- …`): named by region,
 * account and stage, or read from the stack's outputs as
 * `aws cloudformation describe-stacks --stack-name data-action-bridge-<stage> --query "Stacks[0].Outputs"`
 * prints them. serverless.yml exports each function's ARN as `<Name>FunctionArn`
 * (CustomerLookupFunctionArn) and osls the HTTPS front's base URL as `HttpApiUrl`.
 */

export interface NamedStack {
  region: string;
  accountId: string;
  stage: string;
  /** The HTTP API's base URL (stack output HttpApiUrl); without it only the API id stays a placeholder. */
  httpApiUrl?: string;
}

/** `customerLookup` → `CustomerLookupFunctionArn`, the stack output serverless.yml writes for it. */
export function functionArnOutputKey(actionName: string): string {
  return `${actionName[0]!.toUpperCase()}${actionName.slice(1)}FunctionArn`;
}

function httpUrlOf(httpApiUrl: string | undefined, fallback: DeployTarget['httpUrl'] = PLACEHOLDERS.httpUrl): DeployTarget['httpUrl'] {
  if (!httpApiUrl) return fallback;
  const base = httpApiUrl.replace(/\/+$/, '');
  return (name) => `${base}/actions/${name}`;
}

export function namedStackTarget(stack: NamedStack): DeployTarget {
  const problems: string[] = [];
  if (!/^[a-z]{2,}(-[a-z]+)+-\d+$/.test(stack.region)) problems.push(`--region ${stack.region} is not an AWS region such as eu-west-1`);
  if (!/^\d{12}$/.test(stack.accountId)) problems.push('--account must be the 12-digit AWS account id');
  if (!/^[A-Za-z0-9-]+$/.test(stack.stage)) problems.push(`--stage ${stack.stage} is not a stage name`);
  if (stack.httpApiUrl && !/^https:\/\/[^/]+\/?$/.test(stack.httpApiUrl)) problems.push('--http-url must be the HTTP API base URL, https://<id>.execute-api.<region>.amazonaws.com');
  // The partition and DNS suffix of the region, from AWS's own region table (aws-cdk-lib region-info: aws, aws-cn with
  // amazonaws.com.cn, aws-us-gov, aws-eusc with amazonaws.eu, …). A development dependency: contracts are written from the repo.
  const { partition, domainSuffix } = RegionInfo.get(stack.region);
  if (problems.length === 0 && (!partition || !domainSuffix)) problems.push(`--region ${stack.region} is not a region aws-cdk-lib knows; pass --stack-outputs instead`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    lambdaArn: (name) => `arn:${partition}:lambda:${stack.region}:${stack.accountId}:function:${SERVICE_NAME}-${stack.stage}-${name}`,
    // API Gateway's default endpoint: https://{api-id}.execute-api.{region}.{suffix}; only the API id is unknown before deploy.
    httpUrl: httpUrlOf(stack.httpApiUrl, (name) => `https://<API_ID>.execute-api.${stack.region}.${domainSuffix}/actions/${name}`),
  };
}

type StackOutputs = Array<{ OutputKey?: string; OutputValue?: string }> | Record<string, string>;

/** Reads describe-stacks' Outputs list (or a plain key → value object); every action must have its ARN there. */
export function stackOutputsTarget(outputs: StackOutputs, actionNames: readonly string[]): DeployTarget {
  const values = Array.isArray(outputs)
    ? Object.fromEntries(outputs.filter((output) => output.OutputKey).map((output) => [output.OutputKey!, output.OutputValue ?? '']))
    : outputs;
  const missing = actionNames.map(functionArnOutputKey).filter((key) => !values[key]);
  if (missing.length > 0) throw new Error(`the stack outputs lack ${missing.join(', ')}: deploy this version of serverless.yml first`);
  return {
    lambdaArn: (name) => values[functionArnOutputKey(name)]!,
    httpUrl: httpUrlOf(values.HttpApiUrl),
  };
}
