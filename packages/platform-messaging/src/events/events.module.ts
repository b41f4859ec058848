import { type DynamicModule, Global, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { AppConfig, Cleanup, Metrics } from '@latchkey/platform';
import { AmqpEventPublisher, EventPublisher } from './amqp-event-publisher';
import type * as EventBridgeModule from './eventbridge-event-publisher';
import { EventOutbox } from './event-outbox';
import { EventRelay } from './event-relay';

/**
 * Domain events. Every process can append (an operator command's key rotation writes its event
 * too); only `relay: true` (the API server) publishes, and only when AMQP_URL names a broker or
 * EVENTBRIDGE_BUS_NAME a bus.
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
    const { amqpUrl, eventBridgeBus, retentionSeconds } = this.config.events;
    this.cleanup.register({
      name: 'events.expired',
      runBatch: ({ now, limit }) =>
        this.outbox.purgeBefore(new Date(now.getTime() - retentionSeconds * 1000), limit, {
          unpublished: amqpUrl === undefined && eventBridgeBus === undefined,
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
          useFactory: ({ events }: AppConfig): EventPublisher | null => {
            if (events.amqpUrl)
              return new AmqpEventPublisher(events.amqpUrl, events.exchange, nestLog('Events'));
            if (events.eventBridgeBus) {
              // Loaded only here: the AWS SDK would cost every other deployment ~65 ms of start-up and ~16 MB.
              /* eslint-disable @typescript-eslint/no-require-imports -- a lazy load of a CommonJS sibling */
              const { EventBridgeEventPublisher } =
                require('./eventbridge-event-publisher') as typeof EventBridgeModule;
              /* eslint-enable @typescript-eslint/no-require-imports */
              return new EventBridgeEventPublisher(events.eventBridgeBus);
            }
            return null;
          },
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
