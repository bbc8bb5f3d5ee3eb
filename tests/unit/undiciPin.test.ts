import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * lib/http/httpClient.ts imports two of undici's internal files, not its index (which would bundle
 * fetch, WebSocket, caches…: +240 KB and a slower cold start). Internal paths are not undici's
 * public API and move between minor versions, so undici is pinned to one exact version and
 * this test fails when the installed copy, the pin or the lock file disagree, or the files moved.
 * Upgrading undici: check both files still exist and keep their shape, then change the pin in
 * package.json (npm install undici@<version> --save-exact) and PINNED below together.
 */

const PINNED = '7.30.2';
const INTERNALS = ['lib/dispatcher/agent.js', 'lib/api/api-request.js', 'lib/dispatcher/env-http-proxy-agent.js'];
/**
 * What lib/http/proxy/ reads of undici's proxy agent: the messages of its proxy failures
 * (lib/http/proxy/proxyFailure.ts recognises them) and the options lib/http/proxy/undiciProxyAgent.ts sets.
 */
const PROXY_AGENT_TEXT: Array<[string, string]> = [
  ['lib/dispatcher/proxy-agent.js', 'Proxy response (${statusCode}) !== 200 when HTTP Tunneling'],
  ['lib/dispatcher/proxy-agent.js', "new InvalidArgumentError('Proxy Authentication Required (407)')"],
  ['lib/dispatcher/proxy-agent.js', 'const { proxyTunnel = true } = opts'],
  ['lib/dispatcher/env-http-proxy-agent.js', 'const { httpProxy, httpsProxy, noProxy, ...agentOpts } = opts'],
];
/** The HTTP parser builds lib/http/httpClient.ts compiles at init (precompileHttpParser). */
const PARSER_BUILDS = ['lib/llhttp/llhttp_simd-wasm.js', 'lib/llhttp/llhttp-wasm.js'];

const root = join(__dirname, '..', '..');
const undiciDir = join(root, 'node_modules', 'undici');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

function expectSame(actual: unknown, expected: string, what: string) {
  if (actual !== expected) {
    throw new Error(
      `${what} is ${JSON.stringify(actual)}, the pin is ${JSON.stringify(expected)}. lib/http/httpClient.ts imports ` +
        `undici internals (${INTERNALS.join(', ')}), which move between versions: check they still exist and ` +
        `keep their shape, then update the pin in package.json and PINNED in tests/unit/undiciPin.test.ts together.`,
    );
  }
}

describe('undici pinned for the deep imports in lib/http/httpClient.ts', () => {
  it('package.json pins undici to one exact version (no range)', () => {
    expectSame(readJson(join(root, 'package.json')).dependencies.undici, PINNED, 'package.json dependencies.undici');
  });

  it('package-lock.json agrees with the pin', () => {
    const lock = readJson(join(root, 'package-lock.json'));
    expectSame(lock.packages[''].dependencies.undici, PINNED, 'package-lock.json root dependencies.undici');
    expectSame(lock.packages['node_modules/undici'].version, PINNED, 'package-lock.json node_modules/undici version');
  });

  it('the installed undici is the pinned version', () => {
    expectSame(readJson(join(undiciDir, 'package.json')).version, PINNED, 'installed node_modules/undici version');
  });

  it.each(PARSER_BUILDS)('undici/%s exists and holds the WebAssembly bytes lib/http/httpClient.ts precompiles at init', (file) => {
    if (!existsSync(join(undiciDir, file))) {
      throw new Error(`node_modules/undici/${file} is gone: lib/http/httpClient.ts precompiles it (undici ${PINNED} had it).`);
    }
    const bytes = require(`undici/${file}`);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    // WebAssembly's magic number, "\0asm".
    expect((bytes as Buffer).subarray(0, 4)).toStrictEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
  });

  it('precompileHttpParser compiles one of them, and undici then serves a request', async () => {
    const { createHttpAgent, precompileHttpParser, sendHttpRequest } = await import('../../lib/http/httpClient');
    const { Deadline } = await import('../../lib/http/deadline');
    const { logger } = await import('../../lib/base/logger');
    const { json, startLoopbackServer } = await import('../../tools/standIns/loopbackServer');
    const server = await startLoopbackServer(() => json(200, { ok: true }));
    const agent = createHttpAgent();

    try {
      expect(() => precompileHttpParser()).not.toThrow();
      const response = await sendHttpRequest(agent, { method: 'GET', url: new URL(`${server.url}/x`), headers: {}, step: 'test', maxBodyBytes: 1_024 }, Deadline.after(2_000, logger));

      expect([response.status, response.body]).toStrictEqual([200, '{"ok":true}']);
    } finally {
      await agent.close();
      await server.close();
    }
  });

  it.each(PROXY_AGENT_TEXT)('undici/%s still says %s (lib/http/proxy/ relies on it)', (file, text) => {
    expect(readFileSync(join(undiciDir, file), 'utf8')).toContain(text);
  });

  it.each(INTERNALS)('undici/%s exists and has the shape lib/http/httpClient.ts relies on', (file) => {
    if (!existsSync(join(undiciDir, file))) {
      throw new Error(`node_modules/undici/${file} is gone: lib/http/httpClient.ts imports it (undici ${PINNED} had it).`);
    }
    const exported = require(`undici/${file}`);
    expect(typeof exported).toBe('function');
    if (file.endsWith('agent.js')) expect(typeof exported.prototype.dispatch).toBe('function');
  });
});
