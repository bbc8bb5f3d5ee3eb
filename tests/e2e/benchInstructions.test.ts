import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWarmProgram, runWarmProgram } from '../../tools/bench/instructions';

// `npm run bench:instructions` counts instructions under valgrind (minutes, so not here); this
// keeps its program working against this tree: it builds, warms the bridge and the floor, and
// each answers what the sandbox's sample customer should give.
describe('bench:instructions warm program', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warm-program-'));
  const program = join(dir, 'warm.js');
  beforeAll(() => buildWarmProgram(join(__dirname, '..', '..'), program), 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warms the bridge and answers the flat customer record', async () => {
    const { answer, instructions } = await runWarmProgram(program, 'bridge', 5, { node: process.execPath, count: false });
    expect(instructions).toBeUndefined();
    expect(answer).toMatchObject({ found: true, customerId: 'c-1001', fullName: 'Ada Lovelace', email: 'ada@example.com' });
  });

  it('warms the undici floor against the same upstream, which answers in its own shape', async () => {
    const { answer } = await runWarmProgram(program, 'floor', 5, { node: process.execPath, count: false });
    expect(answer).toMatchObject({ data: [{ id: 'c-1001', firstName: 'Ada', lastName: 'Lovelace' }] });
  });
});
