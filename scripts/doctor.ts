/** `npm run doctor -- …`: explains why a token request fails. See lib/doctor/ and the README. */
import { DOCTOR_USAGE, doctorFromArgs, renderReport } from '../lib/doctor/cli';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(DOCTOR_USAGE);
  process.exit(0);
}
doctorFromArgs(argv, process.env).then(
  (report) => {
    console.log(renderReport(report));
    process.exitCode = report.tokenObtained ? 0 : 1;
  },
  (error: unknown) => {
    console.error(`${(error as Error).message}\n\n${DOCTOR_USAGE}`);
    process.exitCode = 2;
  },
);
