/**
 * `npm run bench:instructions -- --against <commit> [--against <commit>…] [--calls 2000] [--repeat 2] [--node <path>]`:
 * the warm path in CPU instructions per call (tools/bench/instructions.ts), for this working
 * tree and for each commit given, which is checked out in a temporary git worktree that uses
 * this tree's node_modules (so it compares the code, not the dependency versions). Needs
 * valgrind (Debian: `apt-get install valgrind`); about four minutes per tree on 2 cores.
 * Prints a table and adds it to the day's file in bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureWarmInstructions, valgrindVersion, WARM_UP_CALLS } from '../tools/bench/instructions';
import { PROJECT_ROOT } from '../tools/codegen/actionFolders';
import { runCommand } from './command';

const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();

function describeWorkingTree(): string {
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return `this tree (${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes' : ''})`;
}

/** A detached worktree of `commit` under `dir`, sharing this tree's node_modules. */
function checkOut(commit: string, dir: string): string {
  const tree = join(dir, commit.replace(/[^A-Za-z0-9._-]/g, '_'));
  git('worktree', 'add', '--detach', tree, commit);
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(tree, 'node_modules'));
  return tree;
}

const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { against: { type: 'string', multiple: true, default: [] }, calls: { type: 'string', default: '2000' }, repeat: { type: 'string', default: '2' }, node: { type: 'string', default: process.execPath } },
  });
  const [calls, repeat] = [Number(values.calls), Number(values.repeat)];
  if (!Number.isInteger(calls) || calls < 100 || !Number.isInteger(repeat) || repeat < 1) {
    console.error('--calls must be a whole number of at least 100, --repeat one of at least 1');
    return 2;
  }
  const valgrind = await valgrindVersion();
  if (!valgrind) {
    console.error('valgrind is not installed (Debian: apt-get install valgrind)');
    return 2;
  }
  const nodeVersion = execFileSync(values.node, ['--version'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'bridge-trees-'));
  const commits = values.against.map((commit) => ({ label: `${git('rev-parse', '--short', commit)} (${commit})`, commit }));
  const trees: string[] = [];
  try {
    for (const { commit } of commits) trees.push(checkOut(commit, dir));
    const results = await measureWarmInstructions([PROJECT_ROOT, ...trees], { calls, repeat, node: values.node });
    const labels = [describeWorkingTree(), ...commits.map((commit) => commit.label)];
    const base = results[0]!;
    const lines = [
      `# npm run bench:instructions — ${new Date().toISOString()}`,
      `Node ${nodeVersion} (one V8 thread, fixed seeds, time-independent GC schedule), ${valgrind} callgrind; customerLookup on the sandbox, ${calls.toLocaleString('en-US')} counted calls after ${WARM_UP_CALLS}, each count the median of ${repeat} runs`,
      '',
      '| tree | instructions per warm call | the undici floor | the bridge\'s own (call − floor) | this tree\'s own against this row\'s | runs of one program differed by, per call |',
      '|---|---|---|---|---|---|',
      ...results.map((result, i) => `| ${labels[i]} | ${thousands(result.bridge)} | ${thousands(result.floor)} | ${thousands(result.own)} | ${i === 0 ? '—' : `${((base.own / result.own - 1) * 100).toFixed(1)} %`} | up to ${thousands(result.spread)} |`),
    ];
    console.log(lines.join('\n'));
    const resultsDir = join(PROJECT_ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-instructions-node${nodeVersion.slice(1).split('.')[0]}.md`);
    // A day's runs on one Node share a file, each after the last.
    appendFileSync(file, `${existsSync(file) ? '\n' : ''}${lines.join('\n')}\n`);
    console.log(`\nadded to ${file}`);
    return 0;
  } finally {
    for (const tree of trees) git('worktree', 'remove', '--force', tree);
    rmSync(dir, { recursive: true, force: true });
  }
}

void runCommand(main);
