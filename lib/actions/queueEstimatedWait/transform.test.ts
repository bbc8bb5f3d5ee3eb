import mapping from './mapping.json';
import { DOCUMENTED_FORMULAS, queueEstimatedWait } from './action';
import { SAMPLE_QUEUE_ID } from './standIn';
import type { JsonataMapping } from '../../runtime/jsonataTransform';

/** queueEstimatedWait's transform, its JSONata mapping, without a network: the response schema, the mapping and the output contract as the pipeline runs them. */

describe('the queueEstimatedWait mapping (config/mappings/queueEstimatedWait.json)', () => {
  type WaitInput = Parameters<typeof queueEstimatedWait.request>[0];

  /** As the pipeline runs it: the response parsed by the action's schema, the mapping, then the output contract (OUTPUT_INVALID when broken). */
  async function mapped(body: unknown, input: WaitInput = { queueId: SAMPLE_QUEUE_ID }): Promise<unknown> {
    const output: unknown = await queueEstimatedWait.transform(queueEstimatedWait.response.parse(body), input);
    const checked = queueEstimatedWait.output.safeParse(output);
    if (!checked.success) throw new Error(`OUTPUT_INVALID: the mapping produced ${JSON.stringify(output)}: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    return checked.data;
  }

  it('is limited in time and depth', () => {
    const limits: JsonataMapping = mapping;

    expect(limits.timeoutMs).toBeLessThanOrEqual(100);
    expect(limits.maxDepth).toBeLessThanOrEqual(200);
  });

  it('takes the first prediction that has a wait, in lower case', async () => {
    await expect(
      mapped({
        results: [
          { intent: 'CALL', formula: 'BEST' },
          { intent: 'CHAT', formula: 'SIMPLE', estimatedWaitTimeSeconds: 30 },
          { intent: 'EMAIL', formula: 'ABANDON', estimatedWaitTimeSeconds: 3600 },
        ],
      }),
    ).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 30, mediaType: 'chat', formula: 'SIMPLE' });
  });

  it('counts a wait of zero seconds as a wait', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: 0 }] })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 0,
      mediaType: 'call',
      formula: 'BEST',
    });
  });

  it.each([
    ['no results', {}],
    ['null results', { results: null }],
    ['empty results', { results: [] }],
    ['results without waits', { results: [{ intent: 'CALL', formula: 'BEST' }] }],
  ])('answers { available: false } for %s', async (_case, body) => {
    await expect(mapped(body)).resolves.toStrictEqual({ available: false });
  });

  it('skips a prediction whose estimatedWaitTimeSeconds is null', async () => {
    await expect(
      mapped({
        results: [
          { intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: null },
          { intent: 'CHAT', formula: 'SIMPLE', estimatedWaitTimeSeconds: 30 },
        ],
      }),
    ).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 30, mediaType: 'chat', formula: 'SIMPLE' });
  });

  it('answers { available: false } when the only wait is null', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: null }] })).resolves.toStrictEqual({ available: false });
  });

  it.each(DOCUMENTED_FORMULAS.map((formula) => [formula]))('passes the documented formula %s through as Genesys names it', async (formula) => {
    await expect(mapped({ results: [{ intent: 'CALL', formula, estimatedWaitTimeSeconds: 42 }] })).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 42, mediaType: 'call', formula });
  });

  it('knows the formulas of the current platform SDK, AI-ADJUSTED-AHT and POSITION-IN-QUEUE included', () => {
    expect(DOCUMENTED_FORMULAS).toStrictEqual(['BEST', 'SIMPLE', 'ABANDON', 'PATIENCE_ABANDON', 'AI-ADJUSTED-AHT', 'POSITION-IN-QUEUE']);
  });

  it('passes a formula the SDK does not list yet, and leaves out an empty one', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: 'SOME-FUTURE-FORMULA', estimatedWaitTimeSeconds: 42 }] })).resolves.toMatchObject({ formula: 'SOME-FUTURE-FORMULA' });
    await expect(mapped({ results: [{ intent: 'CALL', formula: '', estimatedWaitTimeSeconds: 42 }] })).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 42, mediaType: 'call' });
  });

  it('omits a null formula rather than breaking the output contract', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: null, estimatedWaitTimeSeconds: 12 }] })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 12,
      mediaType: 'call',
    });
  });

  it('falls back to the requested media type when the prediction has no intent, and omits it when none was asked', async () => {
    await expect(mapped({ results: [{ intent: null, formula: 'BEST', estimatedWaitTimeSeconds: 12 }] }, { queueId: SAMPLE_QUEUE_ID, mediaType: 'email' })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 12,
      mediaType: 'email',
      formula: 'BEST',
    });
    await expect(mapped({ results: [{ formula: 'BEST', estimatedWaitTimeSeconds: 12 }] })).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 12, formula: 'BEST' });
  });
});
