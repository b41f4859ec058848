import { Injectable } from '@nestjs/common';
import { AppConfig } from '@latchkey/platform';
import { EmailOutbox } from '@latchkey/platform-messaging';
import { Clock } from '@latchkey/shared-kernel';
import { type AccountEmail, AccountMailer } from '../../application/ports';
import type { DeliveryState } from '../../domain/one-time-secret';
import { type EmailLinks, renderAccountEmail } from './account-email-templates';

/** Renders account emails and queues them in the outbox, inside the use case's transaction. */
@Injectable()
export class OutboxAccountMailer extends AccountMailer {
  private readonly links: EmailLinks;

  constructor(
    private readonly outbox: EmailOutbox,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    super();
    // Links come from configuration only: a request's Host header is the attacker's to choose.
    this.links = {
      appBaseUrl: config.mail.appBaseUrl,
      verifyEmailPath: config.mail.verifyEmailPath,
      passwordResetPath: config.mail.passwordResetPath,
    };
  }

  queue(email: AccountEmail): Promise<string> {
    const now = this.clock.now();
    return this.outbox.enqueue(
      email.kind,
      { to: email.to, ...renderAccountEmail(email, this.links, now) },
      now,
    );
  }

  deliveryState(messageId: string): Promise<DeliveryState> {
    return this.outbox.state(messageId);
  }

  cancel(messageId: string): Promise<void> {
    return this.outbox.cancel(messageId, this.clock.now());
  }

  forget(address: string): Promise<void> {
    return this.outbox.forget(address);
  }
}
