import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../../shared-kernel/clock';
import { AppConfig } from '../config/app-config';
import { type ClaimedEmail, EmailOutbox } from './email-outbox';
import { MailSendFailed, MailTransport } from './mail-transport';

const BATCH = 10;
/** Longer than any send can take with the SMTP transport's timeouts. */
const LEASE_SECONDS = 120;
const RETENTION_MS = 7 * 24 * 3600 * 1000;
const PURGE_EVERY_MS = 3600 * 1000;

/**
 * Sends the outbox: at once after a commit that queued mail, and every MAIL_OUTBOX_POLL_MS for
 * retries and for messages another instance queued. A failed send is retried with exponential
 * backoff (MAIL_RETRY_BASE doubling, capped at MAIL_RETRY_MAX, jittered) up to MAIL_MAX_ATTEMPTS;
 * an SMTP 5xx gives up at once. Nothing here ever reaches an HTTP response.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPurge = 0;

  constructor(
    private readonly outbox: EmailOutbox,
    private readonly transport: MailTransport,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.outbox.onEnqueued(() => this.nudge());
    this.timer = setInterval(() => this.nudge(), this.config.mail.outbox.pollIntervalMs);
    this.timer.unref();
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.transport.close();
  }

  /** Starts a pass unless one is running; then that one goes round once more. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: Error) => this.logger.warn({ msg: 'email outbox pass failed', reason: error.message }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Resolves once every message due now has been tried (tests and the shutdown path wait on it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pass(): Promise<void> {
    for (;;) {
      const batch = await this.outbox.claimDue(this.clock.now(), LEASE_SECONDS, BATCH);
      for (const message of batch) await this.deliver(message);
      if (batch.length < BATCH || this.stopped) break;
    }
    const now = this.clock.now().getTime();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      await this.outbox.purgeSettledBefore(new Date(now - RETENTION_MS));
    }
  }

  private async deliver(message: ClaimedEmail): Promise<void> {
    const log = { messageId: message.id, kind: message.kind, attempt: message.attempts + 1 };
    try {
      await this.transport.send(message.email);
    } catch (error) {
      const failure =
        error instanceof MailSendFailed ? error : new MailSendFailed((error as Error).message, false);
      const retryAt = this.retryAt(message.attempts + 1, failure.permanent);
      await this.outbox.markFailed(message.id, failure.message, this.clock.now(), retryAt);
      if (retryAt)
        this.logger.warn({ msg: 'email send failed; will retry', ...log, reason: failure.message, retryAt });
      else this.logger.error({ msg: 'email send failed; giving up', ...log, reason: failure.message });
      return;
    }
    await this.outbox.markSent(message.id, this.clock.now());
    this.logger.log({ msg: 'email sent', ...log, transport: this.transport.name });
  }

  private retryAt(attempts: number, permanent: boolean): Date | undefined {
    const { maxAttempts, retryBaseSeconds, retryMaxSeconds } = this.config.mail.outbox;
    if (permanent || attempts >= maxAttempts) return undefined;
    const ceiling = Math.min(retryMaxSeconds, retryBaseSeconds * 2 ** (attempts - 1));
    // Half fixed, half random: instances retrying after one outage do not all come back at once.
    const delaySeconds = ceiling / 2 + (Math.random() * ceiling) / 2;
    return new Date(this.clock.now().getTime() + delaySeconds * 1000);
  }
}
