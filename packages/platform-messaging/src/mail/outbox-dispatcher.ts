import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { AppConfig, Metrics } from '@latchkey/platform';
import { outboxMetrics } from '../messaging/outbox-metrics';
import { OutboxRelay } from '../messaging/outbox-relay';
import { type ClaimedEmail, EmailOutbox } from './email-outbox';
import { MailTransport } from './mail-transport';

/**
 * Sends the email outbox through the generic relay: at once after a commit that queued mail, and
 * every MAIL_OUTBOX_POLL_MS for retries and for messages another instance queued. A failed send
 * is retried with exponential backoff (MAIL_RETRY_BASE doubling, capped at MAIL_RETRY_MAX,
 * jittered) up to MAIL_MAX_ATTEMPTS; an SMTP 5xx gives up at once.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay<ClaimedEmail>;

  constructor(
    private readonly outbox: EmailOutbox,
    private readonly transport: MailTransport,
    clock: Clock,
    private readonly config: AppConfig,
    metrics: Metrics = new Metrics(false),
  ) {
    const logger = new Logger('Mail');
    this.relay = new OutboxRelay<ClaimedEmail>({
      what: 'email',
      source: outbox,
      deliver: (message) => transport.send(message.email),
      describe: (message) => ({ messageId: message.id, kind: message.kind, transport: transport.name }),
      retry: config.mail.outbox,
      clock,
      counters: outboxMetrics(
        metrics,
        {
          outbox: 'email',
          depth: 'latchkey_email_outbox_depth',
          oldestAge: 'latchkey_email_outbox_oldest_unsent_age_seconds',
        },
        () => outbox.waiting(),
        clock,
      ),
      log: {
        info: (fields) => logger.log(fields),
        warn: (fields) => logger.warn(fields),
        error: (fields) => logger.error(fields),
      },
    });
  }

  onApplicationBootstrap(): void {
    this.outbox.onEnqueued(() => this.relay.nudge());
    this.relay.start(this.config.mail.outbox.pollIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.transport.close();
  }

  nudge(): void {
    this.relay.nudge();
  }

  /** Resolves once every message due now has been tried (tests and the shutdown path wait on it). */
  idle(): Promise<void> {
    return this.relay.idle();
  }
}
