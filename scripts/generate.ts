/**
 * `npm run generate`: writes every file derived from the action folders in lib/actions/ —
 * the action and stand-in registries, one direct-invoke handler per action, the per-action
 * deploy configuration (deploy/actions.json, included by serverless.yml) and the contracts —
 * and removes those no action produces any more.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../tools/codegen/actionFolders';
import { generatedFiles, staleGeneratedFiles } from '../tools/codegen/generatedFiles';
import { runCommand } from './command';

void runCommand(async () => {
  const files = generatedFiles();
  for (const { path, content } of files) {
    mkdirSync(dirname(join(PROJECT_ROOT, path)), { recursive: true });
    writeFileSync(join(PROJECT_ROOT, path), content);
    console.log(`wrote ${path}`);
  }
  for (const path of staleGeneratedFiles(files)) {
    rmSync(join(PROJECT_ROOT, path));
    console.log(`removed ${path}`);
  }
  return 0;
});
