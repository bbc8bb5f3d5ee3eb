import { randomUUID } from 'node:crypto';
import { json, startLoopbackServer, type LoopbackReply, type LoopbackServer } from './loopbackServer';

/**
 * A loopback stand-in for AWS Secrets Manager that speaks the AWS JSON 1.1 protocol the
 * real SDK uses: `POST /` with `x-amz-target: secretsmanager.GetSecretValue`. Point the
 * SDK at it with AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */

export interface SecretsManagerStandIn extends LoopbackServer {
  /** GetSecretValue calls answered so far. */
  readonly requests: number;
  /** Stores a new version of a secret's text value, as a rotation would. */
  putSecret(secretId: string, secretString: string): void;
  /**
   * Answers every following call with this AWS error until cleared (undefined), or only the
   * next `times` calls when given ("throttled twice, then the value").
   */
  failWith(error: { type: string; status: number } | undefined, times?: number): void;
}

const awsError = (type: string, status: number, message: string): LoopbackReply =>
  ({ ...json(status, { __type: type, message }), headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type } });

export async function startSecretsManagerStandIn(initial: Record<string, string> = {}, options: { latencyMs?: number } = {}): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, { value: string; versionId: string; createdAt: number }>();
  let requests = 0;
  let failure: { type: string; status: number } | undefined;
  let failuresLeft = Infinity;
  const putSecret = (secretId: string, value: string) =>
    secrets.set(secretId, { value, versionId: randomUUID(), createdAt: Date.now() / 1000 });
  for (const [secretId, value] of Object.entries(initial)) putSecret(secretId, value);

  const server = await startLoopbackServer(({ method, headers, body }) => {
    if (method !== 'POST' || headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return awsError('UnknownOperationException', 400, 'only GetSecretValue is served here');
    }
    requests++;
    if (failure && failuresLeft > 0) {
      failuresLeft--;
      return awsError(failure.type, failure.status, `${failure.type} (stand-in)`);
    }
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    const secret = secrets.get(SecretId);
    if (!secret) return awsError('ResourceNotFoundException', 400, "Secrets Manager can't find the specified secret.");
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}-AbCdEf`,
        Name: SecretId,
        VersionId: secret.versionId,
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdAt,
      }),
    };
  }, options.latencyMs);

  return {
    ...server,
    get requests() {
      return requests;
    },
    putSecret,
    failWith: (next, times = Infinity) => {
      failure = next;
      failuresLeft = times;
    },
  };
}
