import { type DynamicModule, Global, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { AppConfig, Cleanup, Metrics } from '@latchkey/platform';
import { AmqpEventPublisher, EventPublisher } from './amqp-event-publisher';
import { EventOutbox } from './event-outbox';
import { EventRelay } from './event-relay';

/**
 * Domain events. Every process can append (an operator command's key rotation writes its event
 * too); only `relay: true` (the API server) publishes, and only when AMQP_URL names a broker.
 * Without one, events are still written, listed and replayable, and nothing waits on a broker.
 */
/** Old events go with the scheduled clean-up (EVENTS_RETENTION after they were written). */
@Injectable()
class EventsCleanupTask implements OnModuleInit {
  constructor(
    private readonly cleanup: Cleanup,
    private readonly outbox: EventOutbox,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const { amqpUrl, retentionSeconds } = this.config.events;
    this.cleanup.register({
      name: 'events.expired',
      runBatch: ({ now, limit }) =>
        this.outbox.purgeBefore(new Date(now.getTime() - retentionSeconds * 1000), limit, {
          unpublished: amqpUrl === undefined,
        }),
    });
    // A consumer must remember an id at least as long as the event can be replayed.
    this.cleanup.register({
      name: 'events.inbox',
      runBatch: ({ now, limit }) =>
        this.outbox.forgetProcessedBefore(new Date(now.getTime() - 2 * retentionSeconds * 1000), limit),
    });
  }
}

@Global()
@Module({})
export class EventsModule {
  static forRoot(options: { relay: boolean }): DynamicModule {
    return {
      module: EventsModule,
      providers: [
        EventOutbox,
        EventsCleanupTask,
        {
          provide: EventPublisher,
          inject: [AppConfig],
          useFactory: (config: AppConfig): EventPublisher | null =>
            config.events.amqpUrl
              ? new AmqpEventPublisher(config.events.amqpUrl, config.events.exchange, nestLog('Events'))
              : null,
        },
        ...(options.relay ? [relayProvider] : []),
      ],
      exports: [EventOutbox, EventPublisher, ...(options.relay ? [EventRelay] : [])],
    };
  }
}

/** The relay exists only with a broker to publish to; `null` otherwise. */
const relayProvider = {
  provide: EventRelay,
  inject: [EventOutbox, EventPublisher, Clock, AppConfig, Metrics],
  useFactory: (
    outbox: EventOutbox,
    publisher: EventPublisher | null,
    clock: Clock,
    config: AppConfig,
    metrics: Metrics,
  ): EventRelay | null => (publisher ? new EventRelay(outbox, publisher, clock, config, metrics) : null),
};

function nestLog(context: string) {
  const logger = new Logger(context);
  return {
    info: (fields: Record<string, unknown>) => logger.log(fields),
    warn: (fields: Record<string, unknown>) => logger.warn(fields),
  };
}
