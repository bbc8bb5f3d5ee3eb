import { DescribeSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { toSecretError } from '../../auth/secretCache';
import { ErrorCode, SecretError } from '../../base/errors';
import { Cause, report, step, type Step } from '../findings';
import type { LoadedSecret } from '../secretCheck';

/**
 * The production doctor's first step: the secret as the function's own role reads it. What
 * only production shows: which principal was refused on which resource, a KMS key the role
 * may not decrypt with, and the versions (a rotation left half-way). One GetSecretValue and
 * one DescribeSecret, never retried; the value goes on to the hygiene step, never into a detail.
 */

export const SECRET_ROLE_STEP = 'secret as the function reads it';

interface SdkError {
  name?: string;
  message?: string;
}

/**
 * AWS's AccessDeniedException reads "User: <principal> is not authorized to perform: <action>
 * on resource: <resource> because …" (IAM User Guide, "Troubleshoot access denied error
 * messages"): the principal and the resource are passed through, they are ARNs, not secrets.
 */
const DENIED = /User: (\S+) is not authorized to perform: (\S+) on resource: (\S+?)(?: because|$)/;
/** The longest AWS error message repeated in the report (they are a sentence or two). */
const MAX_AWS_MESSAGE = 600;

function denialDetails(message: string): string[] {
  const match = DENIED.exec(message);
  return match ? [`principal: ${match[1]}`, `action: ${match[2]}`, `resource: ${match[3]}`] : [];
}

/**
 * GetSecretValue fails with DecryptionFailure when Secrets Manager cannot decrypt with the
 * secret's KMS key, and with AccessDeniedException naming KMS when the caller may not use the
 * key (Secrets Manager API Reference, GetSecretValue, Errors; User Guide, "Troubleshoot").
 */
function isKmsFailure({ name = '', message = '' }: SdkError): boolean {
  return name === 'DecryptionFailure' || (name === 'AccessDeniedException' && /\bkms\b/i.test(message));
}

function reportReadFailure(error: unknown, secretId: string, target: Step): void {
  const sdk = (error ?? {}) as SdkError;
  const awsMessage = (sdk.message ?? '').slice(0, MAX_AWS_MESSAGE);
  if (isKmsFailure(sdk)) {
    target.details.push(...denialDetails(awsMessage));
    report(target, 'fail', Cause.SECRET_KMS_DENIED, `${sdk.name}: ${awsMessage}: allow kms:Decrypt on the secret's key to the function's role (the secretsKmsKeyArn param) and check the key policy`);
  } else if (sdk.name === 'AccessDeniedException') {
    target.details.push(...denialDetails(awsMessage));
    report(target, 'fail', Cause.SECRET_ACCESS_DENIED, `AccessDeniedException: ${awsMessage}`);
  } else if (sdk.name === 'ResourceNotFoundException') {
    report(target, 'fail', Cause.SECRET_NOT_FOUND, `secret ${secretId} was not found in this account and region: check the secretId param and the region`);
  } else {
    report(target, 'fail', Cause.SECRET_NOT_LOADED, toSecretError(error, secretId).message);
  }
}

/**
 * DescribeSecret's VersionIdsToStages (Secrets Manager API Reference, DescribeSecret): a
 * version labelled AWSPENDING other than the one labelled AWSCURRENT is a rotation that
 * created the new value but has not finished (API Reference, RotateSecret: "When rotation is
 * successful, the AWSPENDING staging label might be attached to the same version as the
 * AWSCURRENT version, or it might not be attached to any version"; otherwise a rotation "is
 * still in progress"); the token endpoint may already know only one of the two.
 */
async function describeVersions(client: SecretsManagerClient, secretId: string, currentVersionId: string, budgetMs: number, target: Step): Promise<void> {
  let stages: Record<string, string[]>;
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }), { abortSignal: AbortSignal.timeout(budgetMs) });
    stages = described.VersionIdsToStages ?? {};
    if (described.LastRotatedDate) target.details.push(`last rotated: ${described.LastRotatedDate.toISOString()}`);
  } catch (error) {
    const sdk = (error ?? {}) as SdkError;
    report(target, 'warn', Cause.SECRET_DESCRIBE_DENIED, `versions not read (${sdk.name ?? 'error'}: ${(sdk.message ?? '').slice(0, MAX_AWS_MESSAGE)}): allow secretsmanager:DescribeSecret on the secret to the role to see a pending rotation`);
    return;
  }
  const labelled = Object.entries(stages).map(([versionId, labels]) => `${versionId} [${labels.join(', ')}]`);
  target.details.push(`versions: ${labelled.join('; ') || '(none listed)'}`);
  const pending = Object.entries(stages).filter(([versionId, labels]) => labels.includes('AWSPENDING') && versionId !== currentVersionId);
  for (const [versionId] of pending) {
    report(
      target,
      'warn',
      Cause.SECRET_ROTATION_PENDING,
      `version ${versionId} is AWSPENDING beside AWSCURRENT ${currentVersionId}: a rotation started and did not finish; the function reads AWSCURRENT, while the client may already have been changed to the pending value. Finish or cancel the rotation (aws secretsmanager describe-secret, then update-secret-version-stage)`,
    );
  }
}

export async function readSecretAsTheRole(client: SecretsManagerClient, secretId: string, budgetMs: number): Promise<{ step: Step; loaded: LoadedSecret }> {
  const target = step(SECRET_ROLE_STEP);
  target.details.push(`secret: ${secretId}`);
  let value;
  try {
    value = await client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: AbortSignal.timeout(budgetMs) });
  } catch (error) {
    reportReadFailure(error, secretId, target);
    return { step: target, loaded: { source: `Secrets Manager ${secretId}`, error: toSecretError(error, secretId) } };
  }
  const versionId = value.VersionId ?? 'unknown';
  target.details.push(`read version ${versionId} [${(value.VersionStages ?? []).join(', ')}]${value.CreatedDate ? `, created ${value.CreatedDate.toISOString()}` : ''}`);
  await describeVersions(client, secretId, versionId, budgetMs, target);
  const source = `Secrets Manager ${secretId} (version ${versionId})`;
  if (typeof value.SecretString !== 'string') {
    return { step: target, loaded: { source, error: new SecretError(ErrorCode.SECRET_INVALID, `secret ${secretId} has no SecretString; store the credentials as a JSON object in the secret's text value`) } };
  }
  return { step: target, loaded: { source, secretString: value.SecretString } };
}
