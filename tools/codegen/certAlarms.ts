/**
 * The alarm that a client certificate is about to expire: each invocation that presents one
 * writes `ClientCertDaysLeft` (lib/runtime/metrics.ts), and the alarm fires when its Minimum over an
 * hour is below the `clientCertAlarmDays` param. Actions without a certificate write no such
 * metric, and missing data is not breaching (CloudWatch "Configuring how CloudWatch alarms
 * treat missing data"), so their alarm stays OK.
 */

type Json = Record<string, unknown>;

/** One hour: a certificate's days left change daily, and an hour needs only one invocation to have a value. */
const PERIOD_SECONDS = 3600;

export function clientCertAlarm(actionName: string, metric: Json, alarmActions: unknown): Json {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: `${actionName}: its client certificate expires in fewer than \${param:clientCertAlarmDays} days; store a renewed clientCertificate and clientKey in its secret (npm run doctor shows the days left)`,
      ...metric,
      Statistic: 'Minimum',
      Period: PERIOD_SECONDS,
      EvaluationPeriods: 1,
      Threshold: '${param:clientCertAlarmDays}',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: alarmActions,
      OKActions: alarmActions,
    },
  };
}
