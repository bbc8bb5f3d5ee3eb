/**
 * The AWS SDK takes its credentials from process.env (the default provider chain), not from
 * the env a container is given. Tests set them there, and AWS_EC2_METADATA_DISABLED keeps
 * the SDK from the instance metadata service (a non-loopback host); the returned function
 * puts process.env back as it was.
 */
export function setSdkProcessEnv(values: Record<string, string | undefined>): () => void {
  const applied = { ...values, AWS_EC2_METADATA_DISABLED: 'true' };
  const saved = Object.fromEntries(Object.keys(applied).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(applied)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** The sandbox's AWS variables, as the SDK reads them from process.env. */
export function sdkVariablesOf(env: Record<string, string>): Record<string, string | undefined> {
  const { AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_SECRETS_MANAGER } = env;
  return { AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_SECRETS_MANAGER };
}
