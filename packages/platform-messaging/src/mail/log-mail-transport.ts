import { Logger } from '@nestjs/common';
import { MailTransport, type OutgoingEmail } from './mail-transport';

/**
 * Development delivery: the message, links and codes included, goes to the log, so the reset and
 * verification flows work with no mail server. Production only with MAIL_TRANSPORT=log said out loud.
 */
export class LogMailTransport extends MailTransport {
  readonly name = 'log' as const;
  private readonly logger = new Logger('Mail');

  send(email: OutgoingEmail): Promise<void> {
    this.logger.log({
      msg: 'email (MAIL_TRANSPORT=log, not sent)',
      mail: { to: email.to, subject: email.subject, text: email.text },
    });
    return Promise.resolve();
  }

  verify(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
