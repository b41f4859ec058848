import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config';

/** EventBridge's `detail-type` of a refresh-token reuse (docs/events.md). */
export const REUSE_DETECTED = 'latchkey.identity.refresh_token.reuse_detected.v1';

/**
 * The domain events' way out (docs/events.md): an EventBridge bus the outbox relay publishes to
 * (`EVENTBRIDGE_BUS_NAME`; `detail-type` the event type, `detail` the CloudEvents envelope), an
 * archive to replay from, and the SQS dead-letter queue every rule's target on this bus names: an
 * event EventBridge could not hand to its target after its retries is kept there (14 days), not
 * dropped, and an alarm says so. One rule is Latchkey's own: refresh-token reuse detections to a
 * `security` queue, for whoever investigates (the alarm itself counts the API's log lines, which
 * every deployment writes). Consumers add their rules with the same DLQ.
 */
export class EventsStack extends Stack {
  readonly bus: events.EventBus;
  readonly deadLetters: sqs.Queue;
  readonly reuseRule: events.Rule;
  readonly securityQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StackProps & { config: InfraConfig }) {
    super(scope, id, props);
    const { config } = props;
    const prod = config.environment === 'prod';
    const name = `${config.prefix.toLowerCase()}-events`;
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: name });
    this.bus.archive('Archive', {
      archiveName: name,
      description: "Every Latchkey event, to replay a consumer's missed ones",
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(prod ? 90 : 7),
    });
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      queueName: `${name}-dead-letters`,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.securityQueue = new sqs.Queue(this, 'Security', {
      queueName: `${name}-security`,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });
    this.reuseRule = new events.Rule(this, 'ReuseDetected', {
      eventBus: this.bus,
      description: 'Refresh-token reuse detections: the session was revoked (possible token theft)',
      eventPattern: { source: ['latchkey.identity'], detailType: [REUSE_DETECTED] },
      targets: [
        new targets.SqsQueue(this.securityQueue, {
          deadLetterQueue: this.deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }

  /** `events:PutEvents` on this bus, for the role of what relays the outbox. */
  grantPublish(grantee: iam.IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }
}
