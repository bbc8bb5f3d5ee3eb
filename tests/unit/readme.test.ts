import { STUDIO_REST_ACTION_PAGE } from '../../tools/contracts/contracts';
import { DOC_FILES, readDoc } from '../support/docs';

/**
 * What the README and docs/ say about the platforms, held to its sources. Studio's REST API
 * action page says the action "will automatically try two times if a failure message is
 * received": up to two attempts, not two retries (research-17 §6).
 */

const paragraphs = DOC_FILES.flatMap((file) => readDoc(file).split(/\n\s*\n/).map((paragraph) => ({ file, paragraph })));

describe('README and docs', () => {
  const [host, pagePath] = [STUDIO_REST_ACTION_PAGE.slice(0, STUDIO_REST_ACTION_PAGE.indexOf('/')), STUDIO_REST_ACTION_PAGE.slice(STUDIO_REST_ACTION_PAGE.indexOf('/') + 1)];
  const aboutStudioRetrying = paragraphs.filter(({ paragraph }) => /Studio/.test(paragraph) && /\b(retr\w*|twice|attempts?|try two times)\b/i.test(paragraph));

  it('speak of Studio retrying somewhere', () => {
    expect(aboutStudioRetrying.length).toBeGreaterThan(0);
  });

  it.each(aboutStudioRetrying.map(({ file, paragraph }) => [`${file}: ${paragraph.slice(0, 60).replace(/\s+/g, ' ')}`, paragraph]))(
    'say "up to two attempts" or quote "try two times", and cite the CXone Studio REST action page: %s…',
    (_start, paragraph) => {
      const text = paragraph.replace(/\s+/g, ' ');

      expect(text).toMatch(/up to two attempts|"[^"]*try two times[^"]*"/);
      expect(text).not.toMatch(/\b(twice|retries failed calls|retries a failed call)\b/);
      expect(text).toContain(host);
      expect(text).toContain(pagePath);
    },
  );
});
