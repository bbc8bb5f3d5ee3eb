import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DirectHandler } from '../front/directInvoke';
import { createLambdaContext } from './lambdaContext';

/**
 * Runs every sample event in events/ through its function's real handler. An event file
 * is named after its function: `customerLookup.json`, `customerLookup-notfound.json`.
 */

export interface EventResult {
  file: string;
  functionName: string;
  ok: boolean;
  /** The data action response, or the error's name, code and message. */
  response: unknown;
}

export function functionNameOf(file: string): string {
  return basename(file, '.json').split('-')[0] ?? '';
}

export async function runSampleEvents(
  eventsDir: string,
  loadHandler: (functionName: string) => Promise<DirectHandler>,
): Promise<EventResult[]> {
  const files = (await readdir(eventsDir)).filter((file) => file.endsWith('.json')).sort();
  const results: EventResult[] = [];
  for (const file of files) {
    const functionName = functionNameOf(file);
    const handler = await loadHandler(functionName);
    const event: unknown = JSON.parse(await readFile(join(eventsDir, file), 'utf8'));
    try {
      results.push({ file, functionName, ok: true, response: await handler(event, createLambdaContext(functionName)) });
    } catch (error) {
      const { name, code, message } = error as { name: string; code?: string; message: string };
      results.push({ file, functionName, ok: false, response: { errorType: name, code, errorMessage: message } });
    }
  }
  return results;
}
