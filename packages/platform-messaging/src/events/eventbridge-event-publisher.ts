import { DescribeEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { DeliveryFailed } from '../messaging/outbox-relay';
import { EventPublisher } from './amqp-event-publisher';

/** How long a reachable bus is believed reachable by readiness before it is asked again. */
const VERIFY_TTL_MS = 30_000;

/**
 * EventBridge's `source` of a Latchkey event: the module that wrote it, `/latchkey/identity` as
 * `latchkey.identity` (a source may not start with `aws.`, and rules match on dots).
 */
export function eventBridgeSourceOf(event: LatchkeyEvent): string {
  return event.source.replace(/^\//, '').replaceAll('/', '.');
}

/**
 * Publishes to an Amazon EventBridge bus (PutEvents, one entry per event) through the AWS SDK v3:
 * `detail-type` is the event type and `detail` the whole CloudEvents envelope, exactly the body
 * RabbitMQ carries, so a consumer reads the same schema from either. `publish` resolves only when
 * EventBridge accepted the entry; a refused entry (FailedEntryCount) or a failed call is a
 * retryable DeliveryFailed, and the relay's backoff paces the next attempt. Credentials and region
 * come from the SDK's default chain (the function's role and `AWS_REGION` on Lambda).
 */
export class EventBridgeEventPublisher extends EventPublisher {
  readonly name = 'eventbridge';
  private verified: { at: number; outcome: Promise<void> } | undefined;

  constructor(
    private readonly busName: string,
    private readonly client: EventBridgeClient = new EventBridgeClient({}),
  ) {
    super();
  }

  async publish(event: LatchkeyEvent): Promise<void> {
    let answer;
    try {
      answer = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.busName,
              Source: eventBridgeSourceOf(event),
              DetailType: event.type,
              Detail: JSON.stringify(event),
              Time: new Date(event.time),
            },
          ],
        }),
      );
    } catch (error) {
      throw new DeliveryFailed(`EventBridge did not answer: ${messageOf(error)}`, false);
    }
    const [entry] = answer.Entries ?? [];
    if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId)
      throw new DeliveryFailed(
        `EventBridge refused the event: ${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim(),
        false,
      );
  }

  /**
   * The bus exists and these credentials may see it. A success is remembered for 30 s (readiness
   * asks every few seconds); a failure is not, so the next probe asks again.
   */
  verify(): Promise<void> {
    const now = Date.now();
    if (!this.verified || now - this.verified.at >= VERIFY_TTL_MS) {
      const outcome = this.client
        .send(new DescribeEventBusCommand({ Name: this.busName }))
        .then(() => undefined)
        .catch((error: unknown) => {
          this.verified = undefined;
          throw new DeliveryFailed(`EventBridge bus ${this.busName}: ${messageOf(error)}`, false);
        });
      outcome.catch(() => undefined);
      this.verified = { at: now, outcome };
    }
    return this.verified.outcome;
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
