// Starts oidc-provider (a certified OpenID/OAuth server) on loopback for conformance tests.
// It is ESM-only, so it runs in its own process: `node oidcServer.mjs '<clients JSON>'`.
// Prints one line `{"issuer": "...", "tokenUrl": "..."}` when it listens.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.argv[2] ?? '[]');
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: clients.map((client) => ({
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    ...client,
  })),
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  scopes: ['openid', 'customers:read', 'customers:write', 'admin'],
  ttl: { ClientCredentials: 600 },
});
// Not a production deployment: plain http on loopback is what the bridge allows for tests.
provider.on('server_error', (_ctx, error) => console.error('oidc-provider error', error.message));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer, tokenUrl: `${issuer}/token` }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
