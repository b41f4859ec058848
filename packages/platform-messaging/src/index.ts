// @latchkey/platform-messaging: the generic outbox (OutboxTable, PayloadSeal, OutboxRelay) and
// outgoing email, its first user. Its only door.
export * from './messaging/outbox-relay';
export * from './messaging/outbox-table';
export * from './messaging/payload-seal';
export * from './mail/email-outbox';
export * from './mail/mail-transport';
export * from './mail/mail.module';
export * from './mail/outbox-dispatcher';
export { platformMessagingMigrations } from './migrations';
