import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { AppConfig, Metrics } from '@latchkey/platform';
import { outboxMetrics } from '../messaging/outbox-metrics';
import { OutboxRelay } from '../messaging/outbox-relay';
import { EventPublisher } from './amqp-event-publisher';
import { type ClaimedEvent, EventOutbox } from './event-outbox';

/**
 * Publishes the event outbox through the generic relay when a broker is configured (AMQP_URL): at
 * once after a commit that appended events, and every EVENTS_RELAY_POLL_MS for retries and for
 * events another instance wrote; a pass starts EVENTS_RELAY_NUDGE_DELAY_MS (100 ms) after the
 * first nudge, so a busy moment's commits share it. Several instances relay side by side: leases are taken one claim at a time
 * (an advisory lock), so no row is published by two at once. Per-user order: a claim takes a
 * user's events in order and none while an earlier one is leased elsewhere or backing off, and
 * the relay publishes them one after another, each after the broker confirmed the one before.
 * While the broker is down the relay backs off (EVENTS_RETRY_BASE doubling up to EVENTS_RETRY_MAX,
 * jittered) and never gives up on an event.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay<ClaimedEvent>;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly publisher: EventPublisher,
    clock: Clock,
    private readonly config: AppConfig,
    metrics: Metrics = new Metrics(false),
  ) {
    const logger = new Logger('Events');
    const { relay, retentionSeconds } = config.events;
    this.relay = new OutboxRelay<ClaimedEvent>({
      what: 'event',
      source: outbox,
      deliver: (event) => publisher.publish(event.envelope),
      describe: (event) => ({ eventId: event.id, type: event.envelope.type }),
      retry: {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        retryBaseSeconds: relay.retryBaseSeconds,
        retryMaxSeconds: relay.retryMaxSeconds,
      },
      clock,
      counters: outboxMetrics(
        metrics,
        {
          outbox: 'event',
          depth: 'latchkey_event_outbox_depth',
          oldestAge: 'latchkey_event_outbox_lag_seconds',
        },
        () => outbox.waiting(),
        clock,
      ),
      // No line per published event (thousands a second; the bench measured the logging call
      // itself as a share of the relay's CPU): failures and the broker's comings and goings are
      // logged, and `pnpm events list` shows each event's state.
      log: {
        info: () => undefined,
        warn: (fields) => logger.warn(fields),
        error: (fields) => logger.error(fields),
      },
      batch: relay.batch,
      leaseSeconds: 60,
      retentionMs: retentionSeconds * 1000,
      concurrent: true,
      pauseOnFailure: true,
      nudgeDelayMs: relay.nudgeDelayMs,
    });
  }

  onApplicationBootstrap(): void {
    this.outbox.onAppended(() => this.relay.nudge());
    this.relay.start(this.config.events.relay.pollIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.publisher.close();
  }

  nudge(): void {
    this.relay.nudge();
  }

  /** Resolves once every event due now has been tried. */
  idle(): Promise<void> {
    return this.relay.idle();
  }
}
