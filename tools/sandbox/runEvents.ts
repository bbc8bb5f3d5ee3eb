import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { request } from 'undici';
import { EVENTS_DIR } from '../codegen/actionFolders';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { DirectHandler } from '../../lib/front/directInvoke';
import type { HttpHandler } from '../../lib/front/httpFront';
import { createLambdaContext } from './lambdaContext';

/**
 * Runs every sample event (events/*.json) through its function's real
 * handler, directly and through the HTTP front. An event file is named after its function:
 * `<function>.json`, `<function>-<case>.json`.
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

/** The sample events in events/, sorted by file name: the actions' own, or the HTTPS front's (http-*.json). */
export async function readSampleEvents({ front = 'direct' }: { front?: 'direct' | 'http' } = {}): Promise<SampleEvent[]> {
  const files = (await readdir(EVENTS_DIR)).filter((file) => file.endsWith('.json') && (functionNameOf(file) === 'http') === (front === 'http')).sort();
  return Promise.all(files.map(async (file) => ({ file, functionName: functionNameOf(file), event: JSON.parse(await readFile(join(EVENTS_DIR, file), 'utf8')) as unknown })));
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

/** Runs each events/http-*.json through the `http` function's handler, as `serverless invoke local -f http -p …` does. */
export async function runHttpEvents(handler: HttpHandler): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const { file, functionName, event } of await readSampleEvents({ front: 'http' })) {
    const answer = await handler(event as APIGatewayProxyEventV2, createLambdaContext(functionName));
    const body = JSON.parse(answer.body ?? 'null') as unknown;
    results.push({ file, functionName, ok: answer.statusCode === 200, response: body, status: answer.statusCode });
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
