import type { DeliveryState } from '../../domain/one-time-secret';

export type AccountEmail =
  | { kind: 'email-verification'; to: string; token: string; code: string; expiresAt: Date }
  | { kind: 'password-reset'; to: string; token: string; expiresAt: Date }
  | { kind: 'password-changed'; to: string; at: Date; via: 'reset' | 'change' }
  | { kind: 'registration-attempt'; to: string; at: Date };

/**
 * Emails are queued in the current transaction (a durable outbox) and sent once it commits, with
 * retries: a rolled-back use case sends nothing, and a mail server outage loses nothing.
 */
export abstract class AccountMailer {
  /** Returns the queued message's id. */
  abstract queue(email: AccountEmail): Promise<string>;
  abstract deliveryState(messageId: string): Promise<DeliveryState>;
  /** Withdraws a message that has not been sent yet (its secret was superseded). */
  abstract cancel(messageId: string): Promise<void>;
  /** Erasure: every queued or kept message to the address is deleted. */
  abstract forget(address: string): Promise<void>;
}
