import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '@latchkey/platform';
import { EmailOutbox } from './email-outbox';
import { LogMailTransport } from './log-mail-transport';
import { MailTransport } from './mail-transport';
import { OutboxDispatcher } from './outbox-dispatcher';
import { SmtpMailTransport } from './smtp-mail-transport';

/**
 * Outgoing email. Every process can queue; only `deliver: true` (the API server) sends, so a
 * short-lived operator command never picks up the server's mail.
 */
@Global()
@Module({})
export class MailModule {
  static forRoot(options: { deliver: boolean }): DynamicModule {
    return {
      module: MailModule,
      providers: [
        EmailOutbox,
        {
          provide: MailTransport,
          inject: [AppConfig],
          useFactory: (config: AppConfig): MailTransport =>
            config.mail.transport === 'smtp' && config.mail.smtpUrl
              ? new SmtpMailTransport(config.mail.smtpUrl, config.mail.from)
              : new LogMailTransport(),
        },
        ...(options.deliver ? [OutboxDispatcher] : []),
      ],
      exports: [EmailOutbox, MailTransport, ...(options.deliver ? [OutboxDispatcher] : [])],
    };
  }
}
