import { type ConfirmChannel, type GetMessage, connect } from 'amqplib';
import { ATTEMPTS_HEADER, REASON_HEADER, topologyOf } from './event-consumer';

/** A message parked in a consumer's dead-letter queue, as an operator sees it. */
export interface ParkedMessage {
  eventId: string | null;
  type: string | null;
  attempts: number;
  reason: string;
  /** The event itself (it holds no secret, by contract). */
  body: string;
}

/** Which parked messages a command acts on: one event, or all of them. */
export type ParkedSelection = { eventId: string } | { all: true };

const MAX_MESSAGES = 10_000;

/**
 * An operator's view of one consumer's dead-letter queue (`<queue>.dlq`): list what is parked and
 * why, requeue messages to the consumer's queue (their attempt count reset) once it is fixed, or
 * drop them. Messages are taken with basic.get and left unacknowledged unless acted on; closing
 * the channel returns the others to the queue, in their order.
 */
export class DeadLetterQueue {
  private readonly topology;

  constructor(
    private readonly url: string,
    queue: string,
  ) {
    this.topology = topologyOf(queue);
  }

  list(limit = 100): Promise<ParkedMessage[]> {
    return this.session(async (channel, messages) => messages.slice(0, limit).map(parkedOf));
  }

  /** Sends the selected messages back to the consumer's queue; returns how many. */
  requeue(selection: ParkedSelection): Promise<number> {
    return this.session(async (channel, messages) => {
      let moved = 0;
      for (const message of messages.filter((candidate) => selected(candidate, selection))) {
        await new Promise<void>((resolve, reject) =>
          channel.sendToQueue(
            this.topology.queue,
            message.content,
            // The properties one by one: passing back all of them (clusterId, userId…) makes
            // the broker close the channel, and the ack below would be lost with it.
            {
              persistent: true,
              messageId: message.properties.messageId as string | undefined,
              type: message.properties.type as string | undefined,
              contentType: message.properties.contentType as string | undefined,
              timestamp: message.properties.timestamp as number | undefined,
              appId: message.properties.appId as string | undefined,
              headers: { ...withoutReason(message.properties.headers), [ATTEMPTS_HEADER]: 0 },
            },
            (error) => (error ? reject(new Error(String(error))) : resolve()),
          ),
        );
        channel.ack(message);
        moved += 1;
      }
      return moved;
    });
  }

  /** Deletes the selected messages for good; returns how many. */
  drop(selection: ParkedSelection): Promise<number> {
    return this.session(async (channel, messages) => {
      const dropped = messages.filter((candidate) => selected(candidate, selection));
      for (const message of dropped) channel.ack(message);
      return dropped.length;
    });
  }

  private async session<T>(
    work: (channel: ConfirmChannel, messages: GetMessage[]) => Promise<T>,
  ): Promise<T> {
    const connection = await connect(this.url, {
      clientProperties: { connection_name: 'latchkey-events-cli' },
    });
    try {
      const channel = await connection.createConfirmChannel();
      // The queue exists once its consumer has started; checkQueue fails clearly otherwise.
      await channel.checkQueue(this.topology.deadLetterQueue);
      const messages: GetMessage[] = [];
      while (messages.length < MAX_MESSAGES) {
        const message = await channel.get(this.topology.deadLetterQueue, { noAck: false });
        if (message === false) break;
        messages.push(message);
      }
      const result = await work(channel, messages);
      await channel.waitForConfirms();
      // Closing the channel first flushes its acks: a connection closed straight after an ack
      // (following an empty basic.get) was seen to lose it, and the message stayed parked.
      await channel.close();
      return result;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}

function parkedOf(message: GetMessage): ParkedMessage {
  const headers = message.properties.headers ?? {};
  return {
    eventId: (message.properties.messageId as string | undefined) ?? null,
    type: (message.properties.type as string | undefined) ?? null,
    attempts: Number(headers[ATTEMPTS_HEADER] ?? 0),
    reason: String(headers[REASON_HEADER] ?? 'unknown'),
    body: message.content.toString('utf8'),
  };
}

function selected(message: GetMessage, selection: ParkedSelection): boolean {
  return 'all' in selection || message.properties.messageId === selection.eventId;
}

function withoutReason(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const { [REASON_HEADER]: _reason, ...rest } = headers ?? {};
  return rest;
}
