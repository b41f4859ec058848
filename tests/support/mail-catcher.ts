import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A real SMTP server in the test process: the API sends to it through nodemailer exactly as it
 * would to Mailpit or a provider, and tests read what arrived. It can be stopped and restarted
 * on the same port to play a mail outage.
 */
export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  private server: SMTPServer | undefined;
  private waiters: (() => void)[] = [];

  private constructor(private port: number) {}

  static async start(): Promise<MailCatcher> {
    const catcher = new MailCatcher(0);
    await catcher.listen();
    return catcher;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages to one address, oldest first. */
  to(address: string): CaughtMail[] {
    return this.messages.filter((mail) => mail.to === address.toLowerCase());
  }

  /** Waits until `address` has received `count` messages; returns the last of them. */
  async waitFor(address: string, count = 1, timeoutMs = 10_000): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(address).length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`expected ${count} email(s) to ${address}, got ${this.to(address).length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.to(address)[count - 1]!;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port (after `stop`). */
  restart(): Promise<void> {
    return this.listen();
  }

  private listen(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            for (const recipient of session.envelope.rcptTo) {
              this.messages.push({
                to: recipient.address.toLowerCase(),
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
              });
            }
            this.waiters.splice(0).forEach((wake) => wake());
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

/** The `token` parameter of the first link in an email. */
export function linkTokenOf(mail: CaughtMail): string {
  const match = /https?:\/\/\S+\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`no link with a token in: ${mail.text}`);
  return match[1]!;
}

export function linkOf(mail: CaughtMail): URL {
  const match = /(https?:\/\/\S+\?token=[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`no link with a token in: ${mail.text}`);
  return new URL(match[1]!);
}

/** The 6-digit code of a verification email. */
export function codeOf(mail: CaughtMail): string {
  const match = /^(\d{6})$/m.exec(mail.text);
  if (!match) throw new Error(`no 6-digit code in: ${mail.text}`);
  return match[1]!;
}
