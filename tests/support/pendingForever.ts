/**
 * A handler whose only wait is an unref'd timer: the Lambda runtime answers it with null.
 * tests/e2e/lambdaRuntime.test.ts uses it to show that its runtime stand-in catches that defect.
 */
export const handler = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('too late'), 200).unref());
