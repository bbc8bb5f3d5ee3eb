import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { request } from 'undici';
import { ACTIONS_DIR } from '../codegen/actionFolders';
import type { DirectHandler } from '../front/directInvoke';
import { createLambdaContext } from './lambdaContext';

/**
 * Runs every sample event (lib/actions/<name>/events/*.json) through its function's real
 * handler, directly and through the HTTP front. An event file is named after its function:
 * `customerLookup.json`, `customerLookup-notfound.json`.
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

/** Every action folder's sample events, sorted by file name. */
export async function readSampleEvents(): Promise<SampleEvent[]> {
  const folders = (await readdir(ACTIONS_DIR, { withFileTypes: true })).filter((entry) => entry.isDirectory());
  const files = (
    await Promise.all(
      folders.map(async ({ name }) => {
        const eventsDir = join(ACTIONS_DIR, name, 'events');
        const names = await readdir(eventsDir).catch(() => [] as string[]);
        return names.filter((file) => file.endsWith('.json')).map((file) => join(eventsDir, file));
      }),
    )
  )
    .flat()
    .sort((a, b) => basename(a).localeCompare(basename(b)));
  return Promise.all(
    files.map(async (path) => ({ file: basename(path), functionName: functionNameOf(path), event: JSON.parse(await readFile(path, 'utf8')) as unknown })),
  );
}

export async function runSampleEvents(loadHandler: (functionName: string) => Promise<DirectHandler>): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const { file, functionName, event } of await readSampleEvents()) {
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
export async function postSampleEvents(baseUrl: string, apiKey: string): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const { file, functionName, event } of await readSampleEvents()) {
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

/**
 * The results that did not come out as their event file says: a `-badinput` event is
 * refused, every other one answered. `npm start` fails when there is any.
 */
export function unexpectedResults(results: readonly EventResult[]): EventResult[] {
  return results.filter((result) => result.ok === result.file.includes('-badinput'));
}
