import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs one of scripts/*.ts as a user's `npm run` does (tsx, in the project folder), in its
 * own process: nothing of the test keeps that process alive, so a command whose work leaves
 * its event loop empty ends early, as it would for the user. Asynchronous, not spawnSync:
 * stand-ins answering the child live in the test's process and must keep serving.
 */

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = join(__dirname, '..', '..');

export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
