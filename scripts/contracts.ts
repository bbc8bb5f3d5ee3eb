/**
 * `npm run contracts`: writes, for every action, its Genesys Cloud data action definitions
 * (AWS Lambda and Web Services integrations) and a CXone Studio REST action snippet into
 * contracts/, with placeholders for the deployed stack. The sample input is the action's own
 * events/<name>.json.
 *
 * For a deployed stack, into contracts/<stage>/ with the real ARNs and URLs:
 *   npm run contracts -- --stack-outputs outputs.json
 *     (outputs.json: aws cloudformation describe-stacks --stack-name data-action-bridge-<stage> --query "Stacks[0].Outputs")
 *   npm run contracts -- --region eu-west-1 --account 123456789012 --stage prod [--http-url https://…]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIONS } from '../lib/actions';
import { cxoneStudioSnippet, genesysLambdaDefinition, genesysWebServicesDefinition, PLACEHOLDERS, type DeployTarget } from '../lib/contracts';
import { namedStackTarget, stackOutputsTarget } from '../lib/deployTarget';

const root = join(__dirname, '..');

async function targetOf(values: Record<string, string | undefined>): Promise<{ target: DeployTarget; outDir: string }> {
  if (values['stack-outputs']) {
    const outputs = JSON.parse(await readFile(values['stack-outputs'], 'utf8')) as Parameters<typeof stackOutputsTarget>[0];
    const target = stackOutputsTarget(outputs, ACTIONS.map((action) => action.name));
    const stage = /:function:data-action-bridge-([A-Za-z0-9-]+)-/.exec(target.lambdaArn(ACTIONS[0]!.name))?.[1] ?? 'deployed';
    return { target, outDir: join(root, 'contracts', values.stage ?? stage) };
  }
  if (values.region || values.account || values.stage) {
    const { region = '', account = '', stage = '' } = values;
    return { target: namedStackTarget({ region, accountId: account, stage, httpApiUrl: values['http-url'] }), outDir: join(root, 'contracts', stage) };
  }
  return { target: PLACEHOLDERS, outDir: join(root, 'contracts') };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'stack-outputs': { type: 'string' }, region: { type: 'string' }, account: { type: 'string' }, stage: { type: 'string' }, 'http-url': { type: 'string' } },
  });
  const { target, outDir } = await targetOf(values);
  await mkdir(outDir, { recursive: true });
  for (const action of ACTIONS) {
    const sample: unknown = JSON.parse(await readFile(join(root, 'events', `${action.name}.json`), 'utf8'));
    const files: Record<string, unknown> = {
      [`${action.name}.genesys-lambda.json`]: genesysLambdaDefinition(action, target),
      [`${action.name}.genesys-webservices.json`]: genesysWebServicesDefinition(action, target),
      [`${action.name}.cxone-studio.json`]: cxoneStudioSnippet(action, sample, target),
    };
    for (const [file, content] of Object.entries(files)) {
      await writeFile(join(outDir, file), `${JSON.stringify(content, null, 2)}\n`);
      console.log(`wrote ${join(outDir, file).slice(root.length + 1)}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
