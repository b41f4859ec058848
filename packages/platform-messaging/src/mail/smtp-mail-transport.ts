import { createTransport, type Transporter } from 'nodemailer';
import { MailSendFailed, MailTransport, type OutgoingEmail } from './mail-transport';

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** Sends through SMTP_URL (smtp:// with STARTTLS when offered, smtps:// for implicit TLS). */
export class SmtpMailTransport extends MailTransport {
  readonly name = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    super();
    // Bounded waits: a hung mail server delays the outbox, never a request (sends are not on the
    // request path), but a sender stuck for nodemailer's default two minutes would hold its lease.
    this.transporter = createTransport({
      url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    try {
      await this.transporter.sendMail({ from: this.from, ...email });
    } catch (error) {
      const { code, responseCode, message } = error as SmtpError;
      // A 5xx reply is the server's final word (no such mailbox, refused); anything else, a
      // connection failure or a 4xx, may well work later.
      const permanent = responseCode !== undefined && responseCode >= 500 && responseCode < 600;
      const reason = [code, responseCode, message].filter((part) => part !== undefined).join(' ');
      throw new MailSendFailed(reason.slice(0, 500), permanent);
    }
  }

  async verify(): Promise<void> {
    // Connects, greets, authenticates, quits: what a send would need, without a message.
    await this.transporter.verify();
  }

  close(): Promise<void> {
    this.transporter.close();
    return Promise.resolve();
  }
}
