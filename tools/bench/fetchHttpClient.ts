import type { Deadline } from '../../lib/http/deadline';
import type { HttpRequest, HttpResponse } from '../../lib/http/http';
import type { HttpAgent } from '../../lib/http/httpClient';

/**
 * lib/http/httpClient.ts written with Node's global fetch instead of undici's agent, for one
 * purpose: `npm run bench` builds a bundle with this module swapped in, so the choice of
 * undici is made on numbers (bundle size, module load time). Not used by the bridge.
 */

export function createHttpAgent(): HttpAgent {
  return { close: async () => undefined } as unknown as HttpAgent;
}

/** Node's fetch loads its own copy of undici lazily, on the first call: nothing to compile ahead. */
export function precompileHttpParser(): void {}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<{ text?: string; bytes: number }> {
  if (!body) return { text: '', bytes: 0 };
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) {
      await body.cancel().catch(() => undefined);
      return { bytes };
    }
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes };
}

export async function sendHttpRequest(_agent: HttpAgent, request: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
  return deadline.run(request.step, async (stepSignal) => {
    // fetch takes only an AbortSignal.
    const controller = new AbortController();
    stepSignal.once('abort', () => controller.abort(stepSignal.reason));
    const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: controller.signal, redirect: 'manual' });
    const { text, bytes } = await readLimited(response.body, request.maxBodyBytes);
    return { status: response.status, headers: Object.fromEntries(response.headers), body: text, bodyBytes: bytes };
  });
}
