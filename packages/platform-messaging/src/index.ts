// @latchkey/platform-messaging: the generic outbox (OutboxTable, PayloadSeal, OutboxRelay), domain
// events (the event outbox, its relay to RabbitMQ, the consumer library) and outgoing email. Its only door.
export * from './messaging/outbox-metrics';
export * from './messaging/outbox-relay';
export * from './messaging/outbox-table';
export * from './messaging/table-relay-source';
export * from './messaging/payload-seal';
export * from './events/amqp-event-publisher';
export * from './events/dead-letter-queue';
export * from './events/event-consumer';
export * from './events/event-outbox';
export * from './events/outgoing-event';
export * from './events/event-relay';
export * from './events/events.module';
export * from './events/event-subscriptions.module';
export * from './mail/email-outbox';
export * from './mail/mail-transport';
export * from './mail/mail.module';
export * from './mail/outbox-dispatcher';
export { platformMessagingMigrations } from './migrations';
