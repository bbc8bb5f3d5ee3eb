/** `npm run doctor -- …`: explains why a token request fails. See lib/doctor/ and the README. */
import { DOCTOR_USAGE, doctorFromArgs, renderReport } from '../lib/doctor/cli';
import { runCommand } from './command';

const argv = process.argv.slice(2);
void runCommand(async () => {
  if (argv.includes('--help')) {
    console.log(DOCTOR_USAGE);
    return 0;
  }
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
