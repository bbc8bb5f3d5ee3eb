/**
 * `npm run contracts`: writes, for every action, its Genesys Cloud data action definitions
 * (AWS Lambda and Web Services integrations) and a CXone Studio REST action snippet into
 * contracts/. The sample input is the action's own events/<name>.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTIONS } from '../lib/actions';
import { cxoneStudioSnippet, genesysLambdaDefinition, genesysWebServicesDefinition } from '../lib/contracts';

const root = join(__dirname, '..');
const outDir = join(root, 'contracts');

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const action of ACTIONS) {
    const sample: unknown = JSON.parse(await readFile(join(root, 'events', `${action.name}.json`), 'utf8'));
    const files: Record<string, unknown> = {
      [`${action.name}.genesys-lambda.json`]: genesysLambdaDefinition(action),
      [`${action.name}.genesys-webservices.json`]: genesysWebServicesDefinition(action),
      [`${action.name}.cxone-studio.json`]: cxoneStudioSnippet(action, sample),
    };
    for (const [file, content] of Object.entries(files)) {
      await writeFile(join(outDir, file), `${JSON.stringify(content, null, 2)}\n`);
      console.log(`wrote contracts/${file}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
