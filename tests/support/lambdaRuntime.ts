import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { scanLinesOf } from '../setup/logs';

/**
 * Runs a real handler module in a child process that behaves as the Lambda Node runtime
 * does (tests/support/lambdaRuntimeChild.ts): the child holds nothing that keeps its event
 * loop alive, so a wait inside an invocation that leaves the loop empty ends the invocation
 * with `null`, as it would in Lambda. In-process tests cannot see this: their own stand-ins
 * and jest keep the loop alive. The stand-ins stay in the test's process (another process,
 * from the handler's side), on loopback.
 */

export interface RuntimeInvocation {
  event: unknown;
  /** The function's timeout, as getRemainingTimeInMillis counts it down (default 6 s). */
  timeoutMs?: number;
  clientContext?: Record<string, unknown>;
  functionName?: string;
}

export interface RuntimeAnswer {
  batch: number;
  index: number;
  /** 'null': the event loop emptied while the invocation was pending, and the runtime answered null. */
  outcome: 'ok' | 'error' | 'null';
  value?: unknown;
  error?: { name?: string; message?: string; code?: string };
  /** The handler settled after the runtime had already answered null. */
  late?: boolean;
  /** From the event's arrival to the handler's answer. */
  elapsedMs?: number;
}

export interface RuntimeRun {
  answers: RuntimeAnswer[];
  /** The function's stdout: its log and EMF lines. */
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

const CHILD = join(__dirname, 'lambdaRuntimeChild.ts');
const ROOT = join(__dirname, '..', '..');

function collect(stream: Readable | null): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => (text += chunk));
    stream?.on('end', () => resolve(text));
    if (!stream) resolve('');
  });
}

/**
 * Runs `batches` one after another in one warm container (a batch's invocations at once)
 * and returns every answer in the order given. `module`: relative to the project root.
 */
export async function runLikeLambda(module: string, env: Record<string, string | undefined>, batches: RuntimeInvocation[][]): Promise<RuntimeRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, module], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, LAMBDA_RUNTIME_PLAN: JSON.stringify(batches) },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const [stdout, stderr, results, exitCode] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    collect(child.stdio[3] as Readable),
    new Promise<number | null>((resolve) => child.on('close', resolve)),
  ]);
  const answers = results
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RuntimeAnswer)
    .sort((a, b) => a.batch - b.batch || a.index - b.index);
  // The function's log lines go through the suite's canary scan (tests/setup/canaries.ts), as in-process ones do.
  scanLinesOf(stdout);
  return { answers, stdout, stderr, exitCode };
}

/** The answers' outcomes, e.g. ['ok', 'ok']: a 'null' is the defect these tests exist for. */
export function outcomesOf(run: RuntimeRun): string[] {
  return run.answers.map((answer) => (answer.late ? `late ${answer.outcome}` : answer.outcome));
}
