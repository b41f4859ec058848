import { DeliveryFailed } from '../messaging/outbox-relay';

/** A message ready to hand to a mail server. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Why a send failed; `permanent` failures (an SMTP 5xx reply) are not retried. */
export class MailSendFailed extends DeliveryFailed {
  constructor(message: string, permanent: boolean) {
    super(message, permanent);
    this.name = 'MailSendFailed';
  }
}

/** Delivers one message or throws MailSendFailed. Chosen by MAIL_TRANSPORT: `log` or `smtp`. */
export abstract class MailTransport {
  abstract readonly name: 'log' | 'smtp';
  abstract send(email: OutgoingEmail): Promise<void>;
  /** Whether the relay answers and accepts our credentials (readiness reports it); sends nothing. */
  abstract verify(): Promise<void>;
  abstract close(): Promise<void>;
}
