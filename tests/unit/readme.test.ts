import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../tools/codegen/actionFolders';
import { STUDIO_REST_ACTION_PAGE } from '../../tools/contracts/contracts';

/**
 * What the README says about the platforms, held to its sources. Studio's REST API action page
 * says the action "will automatically try two times if a failure message is received": up to
 * two attempts, not two retries (research-17 §6).
 */

const paragraphs = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8').split(/\n\s*\n/);

describe('README', () => {
  const [host, pagePath] = [STUDIO_REST_ACTION_PAGE.slice(0, STUDIO_REST_ACTION_PAGE.indexOf('/')), STUDIO_REST_ACTION_PAGE.slice(STUDIO_REST_ACTION_PAGE.indexOf('/') + 1)];
  const aboutStudioRetrying = paragraphs.filter((paragraph) => /Studio/.test(paragraph) && /\b(retr\w*|twice|attempts?|try two times)\b/i.test(paragraph));

  it('speaks of Studio retrying somewhere', () => {
    expect(aboutStudioRetrying.length).toBeGreaterThan(0);
  });

  it.each(aboutStudioRetrying.map((paragraph) => [paragraph.slice(0, 60).replace(/\s+/g, ' '), paragraph]))(
    'says "up to two attempts" or quotes "try two times", and cites the CXone Studio REST action page: %s…',
    (_start, paragraph) => {
      const text = paragraph.replace(/\s+/g, ' ');

      expect(text).toMatch(/up to two attempts|"[^"]*try two times[^"]*"/);
      expect(text).not.toMatch(/\b(twice|retries failed calls|retries a failed call)\b/);
      expect(text).toContain(host);
      expect(text).toContain(pagePath);
    },
  );
});
