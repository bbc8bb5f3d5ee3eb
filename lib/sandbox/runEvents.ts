import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { request } from 'undici';
import type { DirectHandler } from '../front/directInvoke';
import { createLambdaContext } from './lambdaContext';

/**
 * Runs every sample event in events/ through its function's real handler, directly and
 * through the HTTP front. An event file is named after its function: `customerLookup.json`,
 * `customerLookup-notfound.json`.
 */

export interface SampleEvent {
  file: string;
  functionName: string;
  event: unknown;
}

export interface EventResult {
  file: string;
  functionName: string;
  ok: boolean;
  /** The data action response, or the error's name, code and message (direct) or the error body (HTTP). */
  response: unknown;
  /** HTTP status, for results through the HTTP front. */
  status?: number;
}

export function functionNameOf(file: string): string {
  return basename(file, '.json').split('-')[0] ?? '';
}

export async function readSampleEvents(eventsDir: string): Promise<SampleEvent[]> {
  const files = (await readdir(eventsDir)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({ file, functionName: functionNameOf(file), event: JSON.parse(await readFile(join(eventsDir, file), 'utf8')) as unknown })),
  );
}

export async function runSampleEvents(eventsDir: string, loadHandler: (functionName: string) => Promise<DirectHandler>): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const { file, functionName, event } of await readSampleEvents(eventsDir)) {
    const handler = await loadHandler(functionName);
    try {
      results.push({ file, functionName, ok: true, response: await handler(event, createLambdaContext(functionName)) });
    } catch (error) {
      const { name, code, message } = error as { name: string; code?: string; message: string };
      results.push({ file, functionName, ok: false, response: { errorType: name, code, errorMessage: message } });
    }
  }
  return results;
}

/** POSTs every sample event to `<baseUrl>/actions/<function>` with the API key, as a CXone Studio REST action would. */
export async function postSampleEvents(eventsDir: string, baseUrl: string, apiKey: string): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const { file, functionName, event } of await readSampleEvents(eventsDir)) {
    const response = await request(`${baseUrl}/actions/${functionName}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    const body = (await response.body.json()) as unknown;
    results.push({ file, functionName, ok: response.statusCode === 200, response: body, status: response.statusCode });
  }
  return results;
}
