import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_CATALOG, eventSchema, type LatchkeyEvent } from '@latchkey/contracts';
import type { Database } from '@latchkey/platform';
import { EventConsumer } from '@latchkey/platform-messaging';

export const RABBITMQ_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** An exchange of the test's own, so suites and runs never see each other's events. */
export function testExchange(): string {
  return `latchkey.events.test-${randomUUID().slice(0, 8)}`;
}

/** The environment of an API that publishes to `exchange` on the test broker, polling every `pollMs`. */
export function publishingTo(exchange: string, pollMs = 100): Record<string, string> {
  return { AMQP_URL: RABBITMQ_URL, EVENTS_EXCHANGE: exchange, EVENTS_RELAY_POLL_MS: String(pollMs) };
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validators = new Map(
  EVENT_CATALOG.map((definition) => [definition.type, ajv.compile(eventSchema(definition))]),
);

/** The schema errors of an event against its type's published schema ('' when valid). */
export function schemaErrorsOf(event: LatchkeyEvent): string {
  const validate = validators.get(event.type);
  if (!validate) return `no schema for type ${event.type}`;
  return validate(event) ? '' : ajv.errorsText(validate.errors);
}

/**
 * A consumer built on the library, recording what it receives (raw bodies too, for the secret
 * scan). `fail` makes the handler throw for the events it matches.
 */
export class EventSink {
  readonly received: LatchkeyEvent[] = [];
  readonly consumer: EventConsumer;
  fail: (event: LatchkeyEvent) => boolean = () => false;

  constructor(options: {
    exchange: string;
    database: Database;
    queue?: string;
    bindings?: string[];
    maxAttempts?: number;
    retryDelayMs?: number;
    /** The broker (a proxy in front of it, for a test that cuts the connection). */
    url?: string;
    reconnect?: { baseMs: number; maxMs: number };
  }) {
    this.consumer = new EventConsumer({
      url: options.url ?? RABBITMQ_URL,
      reconnect: options.reconnect,
      exchange: options.exchange,
      queue: options.queue ?? `test-consumer-${randomUUID().slice(0, 8)}`,
      bindings: options.bindings ?? ['#'],
      database: options.database,
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
      handle: async (event) => {
        if (this.fail(event)) throw new Error(`refused ${event.type} on purpose`);
        this.received.push(event);
      },
    });
  }

  of(subject: string): LatchkeyEvent[] {
    return this.received.filter((event) => event.subject === subject);
  }

  /** Waits until `done` holds for what was received, or fails after `timeoutMs`. */
  async until(done: (received: LatchkeyEvent[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(`events not received in time; got ${this.received.map((e) => e.type).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** The short name of a type: `latchkey.identity.user.registered.v1` → `UserRegistered`. */
export function nameOf(event: LatchkeyEvent): string {
  return EVENT_CATALOG.find((definition) => definition.type === event.type)?.name ?? event.type;
}
