/**
 * `npm run contracts`: writes, for every action, its Genesys Cloud data action definitions
 * (AWS Lambda and Web Services integrations) and a CXone Studio REST action snippet into
 * contracts/, with placeholders for the deployed stack (`npm run generate` writes the same). The
 * sample input is the action's own lib/actions/<name>/events/<name>.json.
 *
 * For a deployed stack, into contracts/<stage>/ with the real ARNs and URLs:
 *   npm run contracts -- --stack-outputs outputs.json
 *     (outputs.json: aws cloudformation describe-stacks --stack-name data-action-bridge-<stage> --query "Stacks[0].Outputs")
 *   npm run contracts -- --region eu-west-1 --account 123456789012 --stage prod [--http-url https://…]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIONS } from '../lib/actions';
import { PROJECT_ROOT } from '../tools/codegen/actionFolders';
import { contractFiles } from '../tools/codegen/generatedFiles';
import { PLACEHOLDERS, type DeployTarget } from '../tools/contracts/contracts';
import { namedStackTarget, stackOutputsTarget } from '../tools/contracts/deployTarget';
import { runCommand } from './command';

async function targetOf(values: Record<string, string | undefined>): Promise<{ target: DeployTarget; dir: string }> {
  if (values['stack-outputs']) {
    const outputs = JSON.parse(await readFile(values['stack-outputs'], 'utf8')) as Parameters<typeof stackOutputsTarget>[0];
    const target = stackOutputsTarget(outputs, ACTIONS.map((action) => action.name));
    const stage = /:function:data-action-bridge-([A-Za-z0-9-]+)-/.exec(target.lambdaArn(ACTIONS[0]!.name))?.[1] ?? 'deployed';
    return { target, dir: `contracts/${values.stage ?? stage}` };
  }
  if (values.region || values.account || values.stage) {
    const { region = '', account = '', stage = '' } = values;
    return { target: namedStackTarget({ region, accountId: account, stage, httpApiUrl: values['http-url'] }), dir: `contracts/${stage}` };
  }
  return { target: PLACEHOLDERS, dir: 'contracts' };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { 'stack-outputs': { type: 'string' }, region: { type: 'string' }, account: { type: 'string' }, stage: { type: 'string' }, 'http-url': { type: 'string' } },
  });
  const { target, dir } = await targetOf(values);
  for (const { path, content } of contractFiles(ACTIONS, target, dir)) {
    await mkdir(dirname(join(PROJECT_ROOT, path)), { recursive: true });
    await writeFile(join(PROJECT_ROOT, path), content);
    console.log(`wrote ${path}`);
  }
  return 0;
}

void runCommand(main);
