import { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, connect } from 'amqplib';
import type { LatchkeyEvent } from '@latchkey/contracts';
import type { Database } from '@latchkey/platform';
import { isUuid } from '@latchkey/shared-kernel';
import { eventInbox } from './schema';

/** The queues of one consumer: its own, a delay queue for retries, and its dead-letter queue. */
export interface ConsumerTopology {
  queue: string;
  retryQueue: string;
  deadLetterQueue: string;
}

export function topologyOf(queue: string): ConsumerTopology {
  return { queue, retryQueue: `${queue}.retry`, deadLetterQueue: `${queue}.dlq` };
}

/** Headers this library sets on a message it retries or parks. */
export const ATTEMPTS_HEADER = 'x-latchkey-attempts';
export const REASON_HEADER = 'x-latchkey-reason';

export interface EventConsumerOptions {
  url: string;
  /** The topic exchange events are published to (EVENTS_EXCHANGE). */
  exchange?: string;
  /** The consumer's name: its queue, and its key in the inbox. */
  queue: string;
  /** Routing-key patterns the queue is bound with: `#` for every event, `latchkey.identity.user.*.v1`… */
  bindings: readonly string[];
  /** The consumer's own database: the inbox is written there, in the handler's transaction. */
  database: Database;
  /** Runs inside a transaction of `database`; throwing rolls it back and retries the message. */
  handle(event: LatchkeyEvent): Promise<void>;
  /** Tries before a message is parked in the dead-letter queue (the first included). */
  maxAttempts?: number;
  /** How long a failed message waits in the retry queue before it is tried again. */
  retryDelayMs?: number;
  /** About how many subjects are handled side by side (the prefetch is four times this). */
  concurrency?: number;
  /**
   * After the connection is lost (the broker restarted, the network dropped), reconnect after
   * `baseMs` doubling up to `maxMs`, jittered, until it succeeds or `stop` is called.
   */
  reconnect?: { baseMs: number; maxMs: number };
  log?: {
    info?(fields: Record<string, unknown>): void;
    warn(fields: Record<string, unknown>): void;
    error(fields: Record<string, unknown>): void;
  };
}

export interface ConsumerStats {
  processed: number;
  /** Deliveries of an event already processed (the inbox absorbed them). */
  duplicates: number;
  retried: number;
  deadLettered: number;
}

/**
 * Consumes Latchkey's events from RabbitMQ, idempotently: each delivery is processed in one
 * transaction of the consumer's database that also records the event id in its inbox, and is
 * acknowledged after that commits. A redelivery (after a crash before the ack, a relay that
 * published twice, a replay) finds the id and is acknowledged without running the handler.
 *
 * A handler that throws: the message is copied to `<queue>.retry`, a queue with a TTL whose
 * dead-letter route leads back to `<queue>`, with its attempt count in a header; after
 * `maxAttempts` it is parked in `<queue>.dlq` with the reason instead. Both copies are confirmed
 * by the broker before the original is acknowledged, so nothing is lost between them. A user's
 * messages are handled one at a time in queue order (which is their publish order), several
 * users' side by side; a retried message goes behind the ones that arrived meanwhile.
 *
 * A lost connection is re-established with backoff (`reconnect`), the topology declared again and
 * consuming resumed. Messages in hand when it dropped could not be acknowledged: the broker
 * delivers them again, and the inbox absorbs those whose transaction had committed.
 */
export class EventConsumer {
  readonly topology: ConsumerTopology;
  readonly stats: ConsumerStats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0 };
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private stopped = false;
  private reconnecting: NodeJS.Timeout | undefined;
  private failedReconnects = 0;
  /** Connections made so far (the first one included). */
  connections = 0;

  constructor(private readonly options: EventConsumerOptions) {
    this.topology = topologyOf(options.queue);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 5_000;
    this.concurrency = options.concurrency ?? 8;
  }

  /**
   * Declares the topology (idempotent) and starts consuming. Rejects if the broker cannot be
   * reached now (the caller decides whether to start without it); a connection lost later is
   * re-established on its own.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await this.open();
  }

  /**
   * Like `start`, but a broker that cannot be reached now does not fail the caller: it is logged
   * and retried in the background (`reconnect`), so a service starts while RabbitMQ restarts.
   */
  async startWhenReachable(): Promise<void> {
    this.stopped = false;
    try {
      await this.open();
    } catch (error) {
      this.options.log?.warn({
        msg: 'event consumer cannot reach the broker yet; retrying in the background',
        queue: this.options.queue,
        reason: error instanceof Error ? error.message : String(error),
      });
      this.scheduleReconnect();
    }
  }

  /** Stops consuming; the messages in hand finish (unacknowledged ones return to the queue). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnecting);
    await this.drained();
    const [channel, connection] = [this.channel, this.connection];
    this.channel = undefined;
    this.connection = undefined;
    await channel?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const connection = await connect(this.options.url, {
      clientProperties: { connection_name: `latchkey-consumer:${this.options.queue}` },
    });
    try {
      const channel = await connection.createConfirmChannel();
      await declareTopology(
        channel,
        this.options.exchange ?? 'latchkey.events',
        this.topology,
        this.options.bindings,
        this.retryDelayMs,
      );
      await channel.prefetch(this.concurrency * 4);
      if (this.stopped) {
        // Stopped while this reconnection was on its way: it must not start consuming.
        await connection.close().catch(() => undefined);
        return;
      }
      this.connection = connection;
      this.channel = channel;
      let lost = false;
      const dropped = (reason: string) => {
        if (lost || this.stopped || this.connection !== connection) return;
        lost = true;
        this.connection = undefined;
        this.channel = undefined;
        this.options.log?.warn({
          msg: 'event consumer lost its broker connection',
          queue: this.options.queue,
          reason,
        });
        void connection.close().catch(() => undefined);
        this.scheduleReconnect();
      };
      connection.on('error', (error: Error) => dropped(error.message));
      connection.on('close', () => dropped('connection closed'));
      channel.on('error', (error: Error) => dropped(`channel: ${error.message}`));
      channel.on('close', () => dropped('channel closed'));
      await channel.consume(this.topology.queue, (message) => {
        if (message) this.schedule(channel, message);
        else dropped('consumer cancelled by the broker'); // the queue was deleted
      });
      this.connections += 1;
    } catch (error) {
      this.connection = undefined;
      this.channel = undefined;
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnecting) return;
    const { baseMs, maxMs } = this.options.reconnect ?? { baseMs: 1_000, maxMs: 30_000 };
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(this.failedReconnects, 20));
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.reconnecting = setTimeout(() => {
      this.reconnecting = undefined;
      if (this.stopped) return;
      this.open().then(
        () => {
          this.failedReconnects = 0;
          this.options.log?.info?.({ msg: 'event consumer reconnected', queue: this.options.queue });
        },
        (error: Error) => {
          this.failedReconnects += 1;
          this.options.log?.warn({
            msg: 'event consumer cannot reconnect yet',
            queue: this.options.queue,
            reason: error.message,
          });
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnecting.unref();
  }

  /** Resolves when every delivery received so far has been handled. */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  /**
   * Messages of one subject (a user) run one after another, in queue order; different subjects
   * run side by side. The queue holds one user's events in publish order; this keeps it.
   */
  private schedule(channel: ConfirmChannel, message: ConsumeMessage): void {
    const event = parseEvent(message.content);
    const key = typeof event === 'string' ? '' : event.subject;
    const previous = this.inFlight.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliver(channel, message, event))
      .catch((error: Error) => {
        // Retrying or parking failed (the channel closed): the message stays unacknowledged
        // and the broker delivers it again; the next messages go on.
        this.options.log?.error({
          msg: 'event delivery not settled',
          queue: this.options.queue,
          reason: error.message,
        });
      })
      .finally(() => {
        if (this.inFlight.get(key) === next) this.inFlight.delete(key);
      });
    this.inFlight.set(key, next);
  }

  private async deliver(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    event: LatchkeyEvent | string,
  ): Promise<void> {
    const attempts = Number(message.properties.headers?.[ATTEMPTS_HEADER] ?? 0) + 1;
    if (typeof event === 'string') {
      await this.park(channel, message, attempts, event);
      return;
    }
    let fresh: boolean;
    try {
      fresh = await this.options.database.transaction(async () => {
        const recorded = await this.options.database.db
          .insert(eventInbox)
          .values({
            consumer: this.options.queue,
            eventId: event.id,
            type: event.type,
            processedAt: new Date(),
          })
          .onConflictDoNothing()
          .returning({ eventId: eventInbox.eventId });
        if (recorded.length === 0) return false;
        await this.options.handle(event);
        return true;
      });
    } catch (error) {
      const reason = (error as Error).message ?? String(error);
      if (attempts >= this.maxAttempts) await this.park(channel, message, attempts, reason);
      else await this.retry(channel, message, attempts, reason);
      return;
    }
    if (fresh) this.stats.processed += 1;
    else this.stats.duplicates += 1;
    // Throws if the channel closed meanwhile: the broker delivers the message again and the
    // inbox, committed above, absorbs it.
    channel.ack(message);
  }

  private async retry(channel: ConfirmChannel, message: ConsumeMessage, attempts: number, reason: string) {
    this.options.log?.warn({
      msg: 'event handler failed; will retry',
      queue: this.options.queue,
      attempts,
      reason,
    });
    await republish(channel, this.topology.retryQueue, message, {
      [ATTEMPTS_HEADER]: attempts,
      [REASON_HEADER]: reason,
    });
    channel.ack(message);
    this.stats.retried += 1;
  }

  private async park(channel: ConfirmChannel, message: ConsumeMessage, attempts: number, reason: string) {
    this.options.log?.error({
      msg: 'event parked in the dead-letter queue',
      queue: this.options.queue,
      attempts,
      reason,
    });
    await republish(channel, this.topology.deadLetterQueue, message, {
      [ATTEMPTS_HEADER]: attempts,
      [REASON_HEADER]: reason,
    });
    channel.ack(message);
    this.stats.deadLettered += 1;
  }
}

/** A structurally valid event, or why the message is not one (it is parked at once). */
function parseEvent(content: Buffer): LatchkeyEvent | string {
  let event: Partial<LatchkeyEvent>;
  try {
    event = JSON.parse(content.toString('utf8')) as Partial<LatchkeyEvent>;
  } catch {
    return 'malformed: not JSON';
  }
  if (event?.specversion !== '1.0' || !isUuid(event.id)) {
    return 'malformed: not a CloudEvents 1.0 event with a UUID id';
  }
  if (typeof event.type !== 'string' || typeof event.data !== 'object' || event.data === null) {
    return 'malformed: no type or data';
  }
  return event as LatchkeyEvent;
}

/** Copies a message to a queue (through the default exchange), confirmed by the broker. */
async function republish(
  channel: ConfirmChannel,
  queue: string,
  message: ConsumeMessage,
  headers: Record<string, unknown>,
): Promise<void> {
  const { properties, fields } = message;
  await new Promise<void>((resolve, reject) =>
    channel.sendToQueue(
      queue,
      message.content,
      {
        persistent: true,
        messageId: properties.messageId as string | undefined,
        type: properties.type as string | undefined,
        contentType: properties.contentType as string | undefined,
        timestamp: properties.timestamp as number | undefined,
        appId: properties.appId as string | undefined,
        headers: { ...properties.headers, ...headers, 'x-latchkey-routing-key': fields.routingKey },
      },
      (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
    ),
  );
}

/**
 * The queues of a consumer, declared the same way by the consumer and by the operator commands.
 * `<queue>` is bound to the exchange; `<queue>.retry` holds a failed message for `retryDelayMs`
 * then dead-letters it back to `<queue>` through the default exchange; `<queue>.dlq` keeps what
 * gave up until an operator requeues or drops it. All durable, classic queues.
 */
export async function declareTopology(
  channel: Channel,
  exchange: string,
  topology: ConsumerTopology,
  bindings: readonly string[],
  retryDelayMs: number,
): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(topology.queue, { durable: true });
  for (const pattern of bindings) await channel.bindQueue(topology.queue, exchange, pattern);
  await channel.assertQueue(topology.retryQueue, {
    durable: true,
    arguments: {
      'x-message-ttl': retryDelayMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': topology.queue,
    },
  });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
}
