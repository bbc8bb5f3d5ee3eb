import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Validates a CloudFormation template against the current resource schemas (unknown types and
 * properties, wrong value types) with aws-cdk-lib's CfnInclude and the
 * `@aws-cdk/core:validateAgainstDefaultRules` context flag (cfn-lint cannot be installed
 * here). A dev dependency of the template tests only; never imported from lib/.
 */

export interface Violation {
  rule: string;
  description: string;
  resource?: string;
}

interface Report {
  pluginReports: Array<{ violations: Array<{ ruleName: string; description: string; severity: string; violatingConstructs: Array<{ cloudFormationResource?: { logicalId?: string } }> }> }>;
}

/** The errors (not warnings) the schema rules find. */
export function schemaErrorsOf(template: Record<string, unknown>): Violation[] {
  // aws-cdk-lib is large: loaded only when a template is validated.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { CfnInclude } = require('aws-cdk-lib/cloudformation-include') as typeof import('aws-cdk-lib/cloudformation-include');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const work = mkdtempSync(join(tmpdir(), 'cfn-validate-'));
  const silenced = ['log', 'warn', 'error'] as const;
  const original = silenced.map((level) => console[level]);
  for (const level of silenced) console[level] = () => undefined;
  try {
    const templateFile = join(work, 'template.json');
    writeFileSync(templateFile, JSON.stringify(template));
    const app = new cdk.App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true }, outdir: join(work, 'out') });
    new CfnInclude(new cdk.Stack(app, 'Validated'), 'Template', { templateFile });
    try {
      app.synth();
    } catch {
      // The report below says why.
    }
    const report = JSON.parse(readFileSync(join(work, 'out', 'validation-report.json'), 'utf8')) as Report;
    return report.pluginReports.flatMap(({ violations }) =>
      violations
        .filter(({ severity }) => severity === 'error')
        .flatMap(({ ruleName, description, violatingConstructs }) =>
          violatingConstructs.map((construct) => ({ rule: ruleName, description, resource: construct.cloudFormationResource?.logicalId })),
        ),
    );
  } finally {
    silenced.forEach((level, index) => (console[level] = original[index]!));
    rmSync(work, { recursive: true, force: true });
  }
}
