import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { DeliveryFailed } from '../messaging/outbox-relay';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** Where published events go; the relay's only view of a broker. */
export abstract class EventPublisher {
  abstract readonly name: string;
  /** Resolves once the broker has confirmed the event; rejects with DeliveryFailed otherwise. */
  abstract publish(event: LatchkeyEvent): Promise<void>;
  /** Resolves once the broker is reachable (its connection open, or opened now); for readiness. */
  abstract verify(): Promise<void>;
  abstract close(): Promise<void>;
}

export interface AmqpLog {
  info(fields: Record<string, unknown>): void;
  warn(fields: Record<string, unknown>): void;
}

/** `amqp://user:secret@host` as `amqp://user:***@host`, for logs. */
export function redactedAmqpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'amqp://(invalid url)';
  }
}

/**
 * Publishes to a RabbitMQ topic exchange (routing key = event type) through amqplib, on a
 * confirm channel: `publish` resolves only after the broker confirmed it, so the relay marks a row
 * published only then. The connection is opened lazily and dropped when it closes or errors; the
 * next publish reconnects (the relay's backoff paces the attempts), so no reconnecting wrapper is
 * needed. Messages are persistent and carry the event id as `messageId`.
 */
export class AmqpEventPublisher extends EventPublisher {
  readonly name = 'amqp';
  private channel: Promise<ConfirmChannel> | undefined;
  private connection: ChannelModel | undefined;

  constructor(
    private readonly url: string,
    private readonly exchange: string,
    private readonly log: AmqpLog,
  ) {
    super();
  }

  async publish(event: LatchkeyEvent): Promise<void> {
    const channel = await this.open();
    const body = Buffer.from(JSON.stringify(event));
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        this.exchange,
        event.type,
        body,
        {
          persistent: true,
          messageId: event.id,
          type: event.type,
          contentType: CLOUDEVENTS_CONTENT_TYPE,
          timestamp: Math.floor(new Date(event.time).getTime() / 1000),
          appId: 'latchkey',
        },
        (error) =>
          error
            ? reject(new DeliveryFailed(`broker did not confirm: ${String(error.message ?? error)}`, false))
            : resolve(),
      );
    });
  }

  async verify(): Promise<void> {
    await this.open();
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    await connection?.close().catch(() => undefined);
  }

  private open(): Promise<ConfirmChannel> {
    this.channel ??= this.connect().catch((error: Error) => {
      this.channel = undefined;
      throw new DeliveryFailed(`cannot open the broker connection or exchange: ${error.message}`, false);
    });
    return this.channel;
  }

  private async connect(): Promise<ConfirmChannel> {
    const connection = await connect(this.url, {
      timeout: 5_000,
      clientProperties: { connection_name: 'latchkey-relay' },
    });
    const dropped = (reason: string) => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      this.channel = undefined;
      this.log.warn({ msg: 'event broker connection lost', broker: redactedAmqpUrl(this.url), reason });
    };
    connection.on('error', (error: Error) => dropped(error.message));
    connection.on('close', () => dropped('closed'));
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', (error: Error) => dropped(`channel: ${error.message}`));
      channel.on('close', () => dropped('channel closed'));
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      this.connection = connection;
      this.log.info({
        msg: 'event broker connected',
        broker: redactedAmqpUrl(this.url),
        exchange: this.exchange,
      });
      return channel;
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }
}
