/** `npm run doctor -- …`: explains why a token request fails, here or (--deployed) inside the deployed function. See lib/doctor/ and docs/troubleshooting.md. */
import { DOCTOR_USAGE, doctorFromArgs, renderReport } from '../tools/doctor/cli';
import { DEPLOYED_USAGE, DeployedUsageError, doctorDeployed } from '../tools/doctor/deployedCli';
import { runCommand } from './command';

const argv = process.argv.slice(2);

async function deployed(): Promise<number> {
  let run;
  try {
    run = await doctorDeployed(argv, process.env);
  } catch (error) {
    if (!(error instanceof DeployedUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    console.error(`${(error as Error).message}\n\n${DEPLOYED_USAGE}`);
    return 2;
  }
  console.log(`Production doctor of ${run.report.action}: ${run.functionName} (${run.region}), with its role, environment and network\n`);
  console.log(renderReport(run.report));
  return run.report.tokenObtained ? 0 : 1;
}

void runCommand(async () => {
  if (argv.includes('--help')) {
    console.log(`${DOCTOR_USAGE}\n\n${DEPLOYED_USAGE}`);
    return 0;
  }
  if (argv.some((arg) => arg === '--deployed' || arg.startsWith('--deployed='))) return deployed();
  let report;
  try {
    report = await doctorFromArgs(argv, process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  console.log(renderReport(report));
  return report.tokenObtained ? 0 : 1;
});
