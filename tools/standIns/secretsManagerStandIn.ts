import { randomUUID } from 'node:crypto';
import { json, startLoopbackServer, type LoopbackReply, type LoopbackServer } from './loopbackServer';

/**
 * A loopback stand-in for AWS Secrets Manager that speaks the AWS JSON 1.1 protocol the
 * real SDK uses: `POST /` with `x-amz-target: secretsmanager.GetSecretValue` (or
 * `secretsmanager.DescribeSecret`, which the production doctor reads). Point the SDK at it
 * with AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */

export interface SecretsManagerStandIn extends LoopbackServer {
  /** GetSecretValue calls answered so far. */
  readonly requests: number;
  /** Stores a new version of a secret's text value, as a rotation would. */
  putSecret(secretId: string, secretString: string): void;
  /**
   * Stores a version labelled AWSPENDING beside AWSCURRENT, as a rotation's createSecret
   * step does before setSecret, testSecret and finishSecret move AWSCURRENT to it (AWS
   * Secrets Manager User Guide, "How rotation works"): a rotation that stopped half-way.
   */
  putPendingSecret(secretId: string, secretString: string): void;
  /**
   * Answers every following call with this AWS error until cleared (undefined), or only the
   * next `times` calls when given ("throttled twice, then the value"). `message` is the
   * error's message (AWS's AccessDeniedException names the principal and the resource).
   */
  failWith(error: { type: string; status: number; message?: string } | undefined, times?: number): void;
}

interface StoredVersion {
  value: string;
  versionId: string;
  createdAt: number;
}

interface StoredSecret {
  current: StoredVersion;
  /** The version before the last putSecret (AWSPREVIOUS), and one a rotation left pending. */
  previous?: StoredVersion;
  pending?: StoredVersion;
  createdAt: number;
}

const arnOf = (secretId: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretId}-AbCdEf`;

/**
 * DescribeSecret's answer in the shape of the API reference (Secrets Manager API Reference,
 * DescribeSecret, Response Syntax): ARN, Name, CreatedDate, LastChangedDate (epoch seconds
 * in the JSON protocol) and VersionIdsToStages, each version id mapped to its staging labels.
 * It never carries a secret value.
 */
function describeSecret(secretId: string, secret: StoredSecret): Record<string, unknown> {
  const stages: Record<string, string[]> = { [secret.current.versionId]: ['AWSCURRENT'] };
  if (secret.previous) stages[secret.previous.versionId] = ['AWSPREVIOUS'];
  if (secret.pending) stages[secret.pending.versionId] = ['AWSPENDING'];
  const lastChanged = Math.max(secret.current.createdAt, secret.pending?.createdAt ?? 0);
  return { ARN: arnOf(secretId), Name: secretId, CreatedDate: secret.createdAt, LastChangedDate: lastChanged, VersionIdsToStages: stages };
}

const awsError = (type: string, status: number, message: string): LoopbackReply =>
  ({ ...json(status, { __type: type, message }), headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type } });

export async function startSecretsManagerStandIn(initial: Record<string, string> = {}, options: { latencyMs?: number } = {}): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, StoredSecret>();
  let requests = 0;
  let failure: { type: string; status: number; message?: string } | undefined;
  let failuresLeft = Infinity;
  const version = (value: string): StoredVersion => ({ value, versionId: randomUUID(), createdAt: Date.now() / 1000 });
  const putSecret = (secretId: string, value: string) => {
    const stored = secrets.get(secretId);
    secrets.set(secretId, { current: version(value), ...(stored && { previous: stored.current }), createdAt: stored?.createdAt ?? Date.now() / 1000 });
  };
  const putPendingSecret = (secretId: string, value: string) => {
    const stored = secrets.get(secretId);
    if (!stored) throw new Error(`no secret ${secretId} to rotate`);
    stored.pending = version(value);
  };
  for (const [secretId, value] of Object.entries(initial)) putSecret(secretId, value);

  const server = await startLoopbackServer(({ method, headers, body }) => {
    const operation = headers['x-amz-target'];
    if (method !== 'POST' || (operation !== 'secretsmanager.GetSecretValue' && operation !== 'secretsmanager.DescribeSecret')) {
      return awsError('UnknownOperationException', 400, 'only GetSecretValue and DescribeSecret are served here');
    }
    if (operation === 'secretsmanager.GetSecretValue') requests++;
    if (failure && failuresLeft > 0) {
      failuresLeft--;
      return awsError(failure.type, failure.status, failure.message ?? `${failure.type} (stand-in)`);
    }
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    const secret = secrets.get(SecretId);
    if (!secret) return awsError('ResourceNotFoundException', 400, "Secrets Manager can't find the specified secret.");
    const answer = operation === 'secretsmanager.DescribeSecret'
      ? describeSecret(SecretId, secret)
      : {
          ARN: arnOf(SecretId),
          Name: SecretId,
          VersionId: secret.current.versionId,
          SecretString: secret.current.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.current.createdAt,
        };
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(answer) };
  }, options.latencyMs);

  return {
    ...server,
    get requests() {
      return requests;
    },
    putSecret,
    putPendingSecret,
    failWith: (next, times = Infinity) => {
      failure = next;
      failuresLeft = times;
    },
  };
}
