import {
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { AppConfig, Database } from '@latchkey/platform';
import { EventConsumer } from './event-consumer';

/**
 * What a module consumes from the event stream: its queue, the routing keys it binds, and the
 * handler, which runs in a transaction of this process's database that also records the event in
 * the inbox (EventConsumer: each event applied once, failures retried then dead-lettered).
 */
export abstract class EventSubscription {
  /** The consumer's name; its queue is `<EVENTS_EXCHANGE>.<queue>`, one per exchange. */
  abstract readonly queue: string;
  abstract readonly bindings: readonly string[];
  abstract handle(event: LatchkeyEvent): Promise<void>;
}

/**
 * Starts a consumer for every EventSubscription provider of the application once it is up (a
 * module lists its subscriptions among its providers); stops them on shutdown.
 */
@Injectable()
class EventSubscriptionRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventSubscriptions');
  readonly consumers: EventConsumer[] = [];

  private subscriptions: EventSubscription[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: AppConfig,
    private readonly database: Database,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const found = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is EventSubscription => instance instanceof EventSubscription);
    this.subscriptions = [...new Set(found)];
    const { amqpUrl, exchange } = this.config.events;
    if (amqpUrl === undefined) {
      if (this.subscriptions.length > 0)
        this.logger.warn({
          msg: 'AMQP_URL is not set: this service consumes no events',
          consumers: this.subscriptions.map((subscription) => subscription.queue),
        });
      return;
    }
    for (const subscription of this.subscriptions) {
      const consumer = new EventConsumer({
        url: amqpUrl,
        exchange,
        queue: `${exchange}.${subscription.queue}`,
        bindings: subscription.bindings,
        database: this.database,
        handle: (event) => subscription.handle(event),
        reconnect: { baseMs: 500, maxMs: 15_000 },
        log: {
          info: (fields) => this.logger.log(fields),
          warn: (fields) => this.logger.warn(fields),
          error: (fields) => this.logger.error(fields),
        },
      });
      this.consumers.push(consumer);
      await consumer.startWhenReachable();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
  }
}

/** Runs the event subscriptions the hosted modules declare (the services deployment). */
@Module({ imports: [DiscoveryModule], providers: [EventSubscriptionRunner] })
export class EventSubscriptionsModule {}
