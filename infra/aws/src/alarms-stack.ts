import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config';
import type { EventsStack } from './events-stack';

/**
 * The log lines the alarms count: the outbox relays' failed deliveries (packages/platform-messaging)
 * and refresh-token reuse detections (identity's probe, REUSE_DETECTED_LOG_LINE).
 */
export const LOG_PATTERNS = {
  event: '{ $.msg = "event send failed*" || $.msg = "event outbox pass failed" }',
  email: '{ $.msg = "email send failed*" || $.msg = "email outbox pass failed" }',
  reuse: '{ $.msg = "refresh token reuse detected*" }',
} as const;

/**
 * CloudWatch alarms mirroring the Prometheus rules (infra/observability/alerts.yml; what each
 * means and what to do: docs/runbooks/alerts.md), to an SNS topic:
 * - LatchkeyServerErrors: more than 1 % of requests answered 5xx, five minutes running (the load
 *   balancer's or API Gateway's own counts);
 * - LatchkeyRefreshTokenReuse: a reuse detection in the last 10 minutes (the warning the API logs
 *   for each: every deployment writes it, wherever its events go);
 * - LatchkeyEventOutboxLag: events failing to reach the bus for five minutes running (the relay
 *   logs each failed attempt and retries at least once a minute, EVENTS_RETRY_MAX; on AWS the
 *   outbox's own lag gauge has no scraper, so its failures stand for it);
 * - LatchkeyEmailOutboxBacklog: three failed sends within 15 minutes;
 * - events dead-lettered (a rule's target or a schedule could not be invoked), and, serverless, the
 *   scheduled function failing (a clean-up or rotation step that threw).
 * Not mirrored (no AWS metric says them without scraping the API's own): the login-failure spike,
 * the password-hash queue and the overdue signing key; docs/deploy-aws.md says how to get them.
 */
export class AlarmsStack extends Stack {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & {
      config: InfraConfig;
      events: EventsStack;
      /** 5xx answers and all answers, as the edge (load balancer, API Gateway) counts them. */
      requests: { serverErrors: cloudwatch.IMetric; total: cloudwatch.IMetric };
      /** Where the API and its relays log (the tasks', the functions'). */
      logGroups: logs.ILogGroup[];
      scheduledFunction?: lambda.IFunction;
    },
  ) {
    super(scope, id, props);
    const { config, events } = props;
    this.topic = new sns.Topic(this, 'Alarms', {
      topicName: `${config.prefix.toLowerCase()}-alarms`,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const namespace = `Latchkey/${config.environment}`;
    const alarm = (name: string, options: cloudwatch.AlarmProps) => {
      const made = new cloudwatch.Alarm(this, name, {
        alarmName: `${config.prefix}-${name}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      made.addAlarmAction(new actions.SnsAction(this.topic));
      this.alarms.push(made);
    };

    alarm('ServerErrors', {
      alarmDescription: 'More than 1 % of requests fail with a 5xx (docs/runbooks/alerts.md#server-errors)',
      metric: new cloudwatch.MathExpression({
        expression: 'IF(total > 0, 100 * errors / total, 0)',
        usingMetrics: { errors: props.requests.serverErrors, total: props.requests.total },
        period: Duration.minutes(1),
        label: '5xx, % of requests',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    });

    // A metric counting the lines that match `what` in every log group the compute writes to.
    const counted = (what: keyof typeof LOG_PATTERNS, metricName: string) => {
      props.logGroups.forEach(
        (logGroup, index) =>
          new logs.MetricFilter(this, `${metricName}${index}`, {
            logGroup,
            filterPattern: logs.FilterPattern.literal(LOG_PATTERNS[what]),
            metricNamespace: namespace,
            metricName,
            metricValue: '1',
            defaultValue: 0,
          }),
      );
      return (period: Duration) => new cloudwatch.Metric({ namespace, metricName, statistic: 'Sum', period });
    };
    alarm('RefreshTokenReuse', {
      alarmDescription:
        'A consumed refresh token came back; its session was revoked (docs/runbooks/alerts.md#refresh-token-reuse)',
      metric: counted('reuse', 'RefreshTokenReuseDetections')(Duration.minutes(10)),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('EventOutboxLag', {
      alarmDescription:
        'Domain events fail to reach the bus for 5 minutes running (docs/runbooks/alerts.md#event-outbox-lag)',
      metric: counted('event', 'EventDeliveryFailures')(Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    });
    alarm('EmailOutboxBacklog', {
      alarmDescription:
        'Emails (verification, password reset) fail to send, three times in 15 minutes (docs/runbooks/alerts.md#email-outbox-backlog)',
      metric: counted('email', 'EmailDeliveryFailures')(Duration.minutes(15)),
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    alarm('EventsDeadLettered', {
      alarmDescription:
        'Events or scheduled tasks EventBridge could not deliver are in the dead-letter queue',
      metric: events.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    if (props.scheduledFunction)
      alarm('ScheduledTaskFailures', {
        alarmDescription: 'A scheduled task (clean-up, key rotation, relay pass) threw, twice in 30 minutes',
        metric: props.scheduledFunction.metricErrors({ period: Duration.minutes(30), statistic: 'Sum' }),
        threshold: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
  }
}
