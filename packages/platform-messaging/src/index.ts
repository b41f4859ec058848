export * from './mail/email-outbox';
export * from './mail/mail-transport';
export * from './mail/mail.module';
export * from './mail/outbox-dispatcher';
